/*
 * kernel/font.h - the console font: 8 x 16 pixel cells, printable ASCII.
 *
 * Context: any; pure C, no hardware access (kernel/font.c has the design).
 */
#ifndef CV_FONT_H
#define CV_FONT_H

#include "lib/types.h"

#define FONT_WIDTH   8
#define FONT_HEIGHT  16
#define FONT_FIRST   0x20       /* ' ' */
#define FONT_LAST    0x7E       /* '~' */
#define FONT_UNKNOWN '?'        /* drawn for anything outside FONT_FIRST..FONT_LAST */

/* Row 'row' (0 = top) of character ch's cell: bit 7 is the leftmost pixel.
 * Rows past FONT_HEIGHT are blank. */
uint8_t font_row(uint8_t ch, unsigned row);

#endif

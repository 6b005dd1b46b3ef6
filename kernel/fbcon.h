/*
 * kernel/fbcon.h - a text console drawn on a linear RGB framebuffer (UEFI GOP).
 *
 * Context: any; pure C with no hardware access (the caller hands in the
 * framebuffer's address and two text buffers), so it is unit-tested on the
 * host against a buffer (tests/unit/test_fbcon.c). Not locked: the caller
 * (kernel/console.c) serialises.
 *
 * Characters are 8 x 16 cells (kernel/font.h), light grey on black. The
 * framebuffer is only ever written, never read: on real machines it is
 * uncached or write-combined memory, where reads are very slow. So the
 * console keeps two text buffers, what the screen should show and what it
 * shows, and when the cursor passes the last row it scrolls by half a
 * screen at once (jump scroll), then redraws only the cells that changed.
 * That keeps the cost of a scroll near that of the characters it brings.
 */
#ifndef CV_FBCON_H
#define CV_FBCON_H

#include "lib/types.h"
#include "kernel/multiboot.h"

struct fbcon {
	uint8_t *pixels;                /* first pixel of the framebuffer */
	uint32_t pitch;                 /* bytes per pixel row */
	uint32_t bytes_pp;              /* 2, 3 or 4 */
	uint32_t fg, bg;                /* pixel values in the framebuffer's format */
	uint32_t cols, rows;            /* text size (cut to what the buffers hold) */
	uint32_t col, row;              /* cursor */
	uint32_t scroll_rows;           /* rows a scroll moves the text up by */
	uint8_t *text;                  /* cols * rows: what the screen should show */
	uint8_t *shown;                 /* cols * rows: what it shows */
};

/*
 * Set up c on the RGB framebuffer fb, whose first pixel is at 'pixels'.
 * text and shown hold cap bytes each: the text area is cut to fit them.
 * Clears the screen. Returns false (c unusable) unless fb is an RGB
 * framebuffer of 2, 3 or 4 bytes per pixel at least one cell large.
 */
bool fbcon_init(struct fbcon *c, const struct boot_fb *fb, void *pixels, uint8_t *text,
		uint8_t *shown, size_t cap);

/* Draw one character at the cursor and move it; '\n' starts a new line. */
void fbcon_putc(struct fbcon *c, char ch);

/* The pixel value of an 8-bit-per-channel colour in fb's format. */
uint32_t fbcon_rgb(const struct boot_fb *fb, uint8_t r, uint8_t g, uint8_t b);

#endif

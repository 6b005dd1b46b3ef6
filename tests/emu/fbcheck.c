/*
 * tests/emu/fbcheck.c - does a screen dump show a line of text drawn with
 * chronovisor's console font? (used by tests/emu/test_uefi.sh)
 *
 *   fbcheck IMAGE.ppm TEXT      exit 0 and print "row N" when some text row (at column 0,
 *                               cell-aligned) shows TEXT in grey 0xAAAAAA on black; else 1
 *
 * Context: Linux host program, built by the test with kernel/font.c. IMAGE is
 * a binary PPM (P6, 8-bit channels), as QEMU's `screendump` writes it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/font.h"

#define GREY 0xAA

int main(int argc, char **argv)
{
	unsigned w, h, maxval;
	unsigned char *img;
	FILE *f;

	if (argc != 3) {
		fprintf(stderr, "usage: fbcheck IMAGE.ppm TEXT\n");
		return 2;
	}
	f = fopen(argv[1], "rb");
	if (!f || fscanf(f, "P6 %u %u %u", &w, &h, &maxval) != 3 || maxval != 255 ||
	    fgetc(f) == EOF) {
		fprintf(stderr, "fbcheck: %s is not an 8-bit P6 PPM\n", argv[1]);
		return 2;
	}
	img = malloc((size_t)w * h * 3);
	if (!img || fread(img, 3, (size_t)w * h, f) != (size_t)w * h) {
		fprintf(stderr, "fbcheck: %s is cut short\n", argv[1]);
		return 2;
	}
	size_t len = strlen(argv[2]);
	if (len * FONT_WIDTH > w) {
		fprintf(stderr, "fbcheck: text wider than the image\n");
		return 2;
	}
	for (unsigned row = 0; (row + 1) * FONT_HEIGHT <= h; row++) {
		int match = 1;

		for (size_t i = 0; i < len && match; i++)
			for (unsigned y = 0; y < FONT_HEIGHT && match; y++)
				for (unsigned x = 0; x < FONT_WIDTH && match; x++) {
					int ink = (font_row((unsigned char)argv[2][i], y) >> (7 - x)) & 1;
					const unsigned char *p = img + 3 * ((size_t)(row * FONT_HEIGHT + y) * w +
									     i * FONT_WIDTH + x);
					unsigned want = ink ? GREY : 0;

					match = p[0] == want && p[1] == want && p[2] == want;
				}
		if (match) {
			printf("row %u\n", row);
			return 0;
		}
	}
	return 1;
}

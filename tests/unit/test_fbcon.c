/*
 * tests/unit/test_fbcon.c - host unit tests for kernel/font.c and kernel/fbcon.c.
 *
 * Context: Linux host, cmocka. A buffer plays the framebuffer (32, 24 and
 * 16 bits per pixel). Checks: the font's shape rules (every glyph distinct,
 * blank border columns and top row), that a character lands as its glyph's
 * pixels, line wrap, the jump scroll, and that a scroll redraws only the
 * cells that changed (a marker in an unchanged cell survives; the control:
 * a marker in a changed cell is overwritten).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "kernel/fbcon.h"
#include "kernel/font.h"

#define COLS     10
#define ROWS     4
#define WIDTH    (COLS * FONT_WIDTH + 3)        /* a few pixels past the last whole cell */
#define HEIGHT   (ROWS * FONT_HEIGHT + 5)
#define PITCH    (WIDTH * 4 + 16)               /* padding after each line, as real GOPs have */
#define CAP      (COLS * ROWS)
#define GREY32   0x00AAAAAAu
#define MARKER   0x00123456u

static uint8_t pixels[PITCH * HEIGHT];
static uint8_t text[CAP], shown[CAP];
static struct fbcon c;

static const struct boot_fb fb32 = {
	.kind = BOOT_FB_RGB, .addr = 0x80000000, .pitch = PITCH, .width = WIDTH,
	.height = HEIGHT, .bpp = 32, .red_pos = 16, .red_size = 8, .green_pos = 8,
	.green_size = 8, .blue_pos = 0, .blue_size = 8,
};

static uint32_t px32(unsigned x, unsigned y)
{
	uint32_t v;

	memcpy(&v, pixels + y * PITCH + x * 4, 4);
	return v;
}

static void set_px32(unsigned x, unsigned y, uint32_t v)
{
	memcpy(pixels + y * PITCH + x * 4, &v, 4);
}

/* Does cell (col, row) show ch in grey on black? */
static int cell_shows(unsigned col, unsigned row, char ch)
{
	for (unsigned y = 0; y < FONT_HEIGHT; y++)
		for (unsigned x = 0; x < FONT_WIDTH; x++) {
			int ink = (font_row((uint8_t)ch, y) >> (7 - x)) & 1;
			uint32_t want = ink ? GREY32 : 0;

			if (px32(col * FONT_WIDTH + x, row * FONT_HEIGHT + y) != want)
				return 0;
		}
	return 1;
}

static int setup(void **state)
{
	(void)state;
	memset(pixels, 0x55, sizeof(pixels));
	assert_true(fbcon_init(&c, &fb32, pixels, text, shown, CAP));
	return 0;
}

static void puts_fb(const char *s)
{
	while (*s)
		fbcon_putc(&c, *s++);
}

static void test_font_shapes(void **state)
{
	(void)state;
	for (int ch = FONT_FIRST; ch <= FONT_LAST; ch++) {
		int ink = 0;

		assert_int_equal(font_row((uint8_t)ch, 0), 0);          /* line gap on top */
		for (unsigned y = 0; y < FONT_HEIGHT; y++) {
			uint8_t r = font_row((uint8_t)ch, y);

			assert_int_equal(r & 0x81, 0);                  /* columns 0 and 7 blank */
			ink |= r;
		}
		if (ch == ' ')
			assert_int_equal(ink, 0);
		else if (!ink)
			fail_msg("glyph 0x%x has no ink", ch);
		for (int other = FONT_FIRST; other < ch; other++) {
			int same = 1;

			for (unsigned y = 0; y < FONT_HEIGHT; y++)
				same &= font_row((uint8_t)ch, y) == font_row((uint8_t)other, y);
			if (same)
				fail_msg("glyphs 0x%x and 0x%x are identical", other, ch);
		}
	}
	/* Outside printable ASCII: the '?' glyph; past the cell: blank. */
	for (unsigned y = 0; y < FONT_HEIGHT; y++) {
		assert_int_equal(font_row(0x7F, y), font_row('?', y));
		assert_int_equal(font_row(0xC3, y), font_row('?', y));
	}
	assert_int_equal(font_row('A', FONT_HEIGHT), 0);
	/* Descenders reach the last row; capitals do not. */
	assert_int_not_equal(font_row('g', FONT_HEIGHT - 1), 0);
	assert_int_equal(font_row('E', FONT_HEIGHT - 1), 0);
}

static void test_init_clears(void **state)
{
	(void)state;
	assert_int_equal(c.cols, COLS);
	assert_int_equal(c.rows, ROWS);
	assert_int_equal(c.fg, GREY32);
	for (unsigned y = 0; y < ROWS * FONT_HEIGHT; y++)
		for (unsigned x = 0; x < COLS * FONT_WIDTH; x++)
			assert_int_equal(px32(x, y), 0);
	/* Pixels outside the whole cells are never touched. */
	assert_int_equal(px32(WIDTH - 1, 0), 0x55555555);
	assert_int_equal(pixels[PITCH * (HEIGHT - 1)], 0x55);
}

static void test_characters_and_wrap(void **state)
{
	(void)state;
	puts_fb("Hi!\nx");
	assert_true(cell_shows(0, 0, 'H'));
	assert_true(cell_shows(1, 0, 'i'));
	assert_true(cell_shows(2, 0, '!'));
	assert_true(cell_shows(3, 0, ' '));
	assert_true(cell_shows(0, 1, 'x'));
	assert_false(cell_shows(0, 1, 'y'));            /* the check can fail */
	puts_fb("123456789AB");                         /* 1 + 11 > 10 columns: wraps */
	assert_true(cell_shows(9, 1, '9'));
	assert_true(cell_shows(0, 2, 'A'));
	assert_true(cell_shows(1, 2, 'B'));
	assert_int_equal(c.row, 2);
	assert_int_equal(c.col, 2);
}

static void test_jump_scroll_redraws_changes_only(void **state)
{
	(void)state;
	puts_fb("aa\nbb\ncc\ndd");
	/* Markers: cell (9,0) stays blank across the scroll; cell (0,0) changes. */
	set_px32(9 * FONT_WIDTH + 3, 5, MARKER);
	set_px32(0 * FONT_WIDTH + 3, 5, MARKER);
	fbcon_putc(&c, '\n');                           /* past the last row: scroll by 2 */
	assert_int_equal(c.row, ROWS - 2);
	assert_int_equal(c.col, 0);
	assert_true(cell_shows(0, 0, 'c'));
	assert_true(cell_shows(1, 1, 'd'));
	assert_true(cell_shows(0, 2, ' '));
	assert_true(cell_shows(0, 3, ' '));
	assert_int_equal(px32(9 * FONT_WIDTH + 3, 5), MARKER);     /* unchanged: not redrawn */
	assert_int_not_equal(px32(0 * FONT_WIDTH + 3, 5), MARKER); /* changed: redrawn */
	puts_fb("ee");
	assert_true(cell_shows(1, 2, 'e'));
}

static void test_other_depths(void **state)
{
	static uint8_t p16[64 * 2 * 32];
	static uint8_t p24[64 * 3 * 32];
	struct boot_fb fb16 = {
		.kind = BOOT_FB_RGB, .pitch = 64 * 2, .width = 64, .height = 32, .bpp = 16,
		.red_pos = 11, .red_size = 5, .green_pos = 5, .green_size = 6, .blue_pos = 0,
		.blue_size = 5,
	};
	struct boot_fb fb24 = fb32;
	uint16_t v16;

	(void)state;
	assert_int_equal(fbcon_rgb(&fb16, 0xAA, 0xAA, 0xAA), (21u << 11) | (42u << 5) | 21u);
	assert_true(fbcon_init(&c, &fb16, p16, text, shown, CAP));
	fbcon_putc(&c, '|');            /* '|': ink in design column 2 -> pixels 3 and 4 */
	memcpy(&v16, p16 + 5 * 128 + 3 * 2, 2);
	assert_int_equal(v16, fbcon_rgb(&fb16, 0xAA, 0xAA, 0xAA));
	memcpy(&v16, p16 + 5 * 128 + 1 * 2, 2);
	assert_int_equal(v16, 0);

	fb24.pitch = 64 * 3;
	fb24.width = 64;
	fb24.height = 32;
	fb24.bpp = 24;
	assert_true(fbcon_init(&c, &fb24, p24, text, shown, CAP));
	fbcon_putc(&c, '|');
	assert_int_equal(p24[5 * 192 + 3 * 3], 0xAA);
	assert_int_equal(p24[5 * 192 + 3 * 3 + 2], 0xAA);
	assert_int_equal(p24[5 * 192 + 6 * 3], 0);
}

static void test_init_refuses(void **state)
{
	struct boot_fb fb = fb32;

	(void)state;
	fb.kind = BOOT_FB_EGA_TEXT;
	assert_false(fbcon_init(&c, &fb, pixels, text, shown, CAP));
	fb = fb32;
	fb.bpp = 8;
	assert_false(fbcon_init(&c, &fb, pixels, text, shown, CAP));
	fb = fb32;
	fb.width = FONT_WIDTH - 1;
	assert_false(fbcon_init(&c, &fb, pixels, text, shown, CAP));
	/* Buffers too small for the whole screen: fewer rows. */
	assert_true(fbcon_init(&c, &fb32, pixels, text, shown, 2 * COLS + 3));
	assert_int_equal(c.rows, 2);
	assert_int_equal(c.scroll_rows, 1);
}

#define T(name) cmocka_unit_test_setup(name, setup)

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_font_shapes),
		T(test_init_clears),
		T(test_characters_and_wrap),
		T(test_jump_scroll_redraws_changes_only),
		T(test_other_depths),
		T(test_init_refuses),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

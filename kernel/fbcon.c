/*
 * kernel/fbcon.c - text console on a linear RGB framebuffer (contract in
 * kernel/fbcon.h).
 *
 * Context: any; pure C, no hardware access, unit-tested on the host.
 */
#include "kernel/fbcon.h"
#include "kernel/font.h"
#include "lib/string.h"

#define FG_GREY   0xAA          /* light grey on black, as the VGA text console */

uint32_t fbcon_rgb(const struct boot_fb *fb, uint8_t r, uint8_t g, uint8_t b)
{
	return ((uint32_t)(r >> (8 - fb->red_size)) << fb->red_pos) |
	       ((uint32_t)(g >> (8 - fb->green_size)) << fb->green_pos) |
	       ((uint32_t)(b >> (8 - fb->blue_size)) << fb->blue_pos);
}

static void put_pixel(struct fbcon *c, uint8_t *p, uint32_t v)
{
	switch (c->bytes_pp) {
	case 4:
		*(volatile uint32_t *)p = v;
		break;
	case 3:
		((volatile uint8_t *)p)[0] = (uint8_t)v;
		((volatile uint8_t *)p)[1] = (uint8_t)(v >> 8);
		((volatile uint8_t *)p)[2] = (uint8_t)(v >> 16);
		break;
	default:
		*(volatile uint16_t *)p = (uint16_t)v;
		break;
	}
}

static void draw_cell(struct fbcon *c, uint32_t col, uint32_t row)
{
	uint32_t i = row * c->cols + col;
	uint8_t ch = c->text[i];
	uint8_t *line = c->pixels + (uint64_t)row * FONT_HEIGHT * c->pitch +
			(uint64_t)col * FONT_WIDTH * c->bytes_pp;

	for (unsigned y = 0; y < FONT_HEIGHT; y++, line += c->pitch) {
		uint8_t bits = ch == ' ' ? 0 : font_row(ch, y);
		uint8_t *p = line;

		for (unsigned x = 0; x < FONT_WIDTH; x++, p += c->bytes_pp)
			put_pixel(c, p, (bits & (0x80 >> x)) ? c->fg : c->bg);
	}
	c->shown[i] = ch;
}

/* Bring the screen in line with text[], cell by cell. */
static void sync_screen(struct fbcon *c)
{
	for (uint32_t row = 0; row < c->rows; row++)
		for (uint32_t col = 0; col < c->cols; col++)
			if (c->shown[row * c->cols + col] != c->text[row * c->cols + col])
				draw_cell(c, col, row);
}

bool fbcon_init(struct fbcon *c, const struct boot_fb *fb, void *pixels, uint8_t *text,
		uint8_t *shown, size_t cap)
{
	memset(c, 0, sizeof(*c));
	if (fb->kind != BOOT_FB_RGB || (fb->bpp != 15 && fb->bpp != 16 && fb->bpp != 24 &&
					fb->bpp != 32))
		return false;
	c->pixels = pixels;
	c->pitch = fb->pitch;
	c->bytes_pp = (fb->bpp + 7u) / 8u;
	c->cols = fb->width / FONT_WIDTH;
	c->rows = fb->height / FONT_HEIGHT;
	if (c->cols == 0 || c->rows == 0 || cap < c->cols)
		return false;
	if ((uint64_t)c->cols * c->rows > cap)
		c->rows = (uint32_t)(cap / c->cols);
	c->scroll_rows = c->rows > 1 ? c->rows / 2 : 1;
	c->fg = fbcon_rgb(fb, FG_GREY, FG_GREY, FG_GREY);
	c->bg = fbcon_rgb(fb, 0, 0, 0);
	c->text = text;
	c->shown = shown;
	memset(c->text, ' ', (size_t)c->cols * c->rows);
	memset(c->shown, 0, (size_t)c->cols * c->rows);   /* differs from ' ': all drawn */
	sync_screen(c);
	return true;
}

static void scroll(struct fbcon *c)
{
	uint32_t keep = c->rows - c->scroll_rows;

	memmove(c->text, c->text + (size_t)c->scroll_rows * c->cols, (size_t)keep * c->cols);
	memset(c->text + (size_t)keep * c->cols, ' ', (size_t)c->scroll_rows * c->cols);
	c->row = keep;
	sync_screen(c);
}

void fbcon_putc(struct fbcon *c, char ch)
{
	if (!c->text)
		return;
	if (ch == '\n') {
		c->col = 0;
		if (++c->row == c->rows)
			scroll(c);
		return;
	}
	if (ch == '\r') {
		c->col = 0;
		return;
	}
	c->text[c->row * c->cols + c->col] = (uint8_t)ch;
	draw_cell(c, c->col, c->row);
	if (++c->col == c->cols) {
		c->col = 0;
		if (++c->row == c->rows)
			scroll(c);
	}
}

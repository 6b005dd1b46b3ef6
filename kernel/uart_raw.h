/*
 * kernel/uart_raw.h - a second 16550 UART for binary data (a saved VM's image).
 *
 * Context: kernel, one pCPU at a time (the caller serialises). COM2 at 0x2F8
 * is what the launcher captures into a file (scripts/cvrun --save); nothing
 * else writes there, so the bytes go out unmixed with the console.
 */
#ifndef CV_UART_RAW_H
#define CV_UART_RAW_H

#include "lib/types.h"

#define COM2_BASE 0x2F8

/* 115200 baud, 8N1, FIFO on, interrupts off. */
void uart_raw_init(uint16_t base);

/* Send len bytes as they are, waiting for room in the transmitter. */
void uart_raw_write(uint16_t base, const void *buf, size_t len);

/* Wait until the transmitter is empty. */
void uart_raw_flush(uint16_t base);

#endif

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One dashboard frame as lines of text, laid out for a given terminal size.
 * The ncurses view draws them; `dashboard --once` prints them. Building the
 * frame is independent of ncurses so both show exactly the same thing.
 */
#ifndef AI_MONITOR_FRAME_H
#define AI_MONITOR_FRAME_H

#include "snapshot.h"

#define FRAME_LINES	160
#define FRAME_COLS	256

enum frame_attr { FA_NORMAL, FA_TITLE, FA_HEADER, FA_DIM, FA_WARN };

struct frame_line {
	enum frame_attr attr;
	char text[FRAME_COLS];
};

struct frame {
	int width, height;
	int nlines;
	struct frame_line line[FRAME_LINES];
};

struct frame_opts {
	int paused;
	const char *clock;		/* "12:00:01" or NULL */
};

void frame_build(struct frame *f, int width, int height, const struct snapshot *s,
		 const struct frame_opts *o);

#endif /* AI_MONITOR_FRAME_H */

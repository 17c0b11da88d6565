// SPDX-License-Identifier: GPL-2.0
/*
 * ai_monitor dashboard: a live view in the spirit of nvtop, refreshed every
 * second; --once prints one plain frame for scripts. Every panel degrades
 * to a line saying what is missing (module not loaded, no GPU, no tracer).
 */
#include <curses.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "ai_monitor.h"
#include "frame.h"

static const char dashboard_usage[] =
	"usage: ai_monitor dashboard [options]\n"
	"  -1, --once           print one plain-text frame and exit\n"
	"  -d, --delay SEC      refresh period in seconds (1)\n"
	"  -W, --width N        width of the --once frame (terminal width, else 80)\n"
	"      --no-tracer      do not attach the launch tracer\n"
	COMMON_USAGE
	"  -h, --help           this text\n"
	"keys: q quit, p pause, r reset the histograms, ? help\n";

static const char *const help_text[] = {
	"ai_monitor dashboard",
	"",
	"  q       quit",
	"  p       pause / resume refreshing",
	"  r       reset launch histograms and percentiles",
	"  ?       this help",
	"",
	"Launch latency is the CPU-side time a launch call spends in the CUDA",
	"driver, the CUDA runtime or HIP (LAYER), enqueue and back-pressure,",
	"measured with eBPF uprobes. It is not the time the kernel runs on the GPU.",
	"",
	"any key closes this help",
};

static volatile sig_atomic_t quit;

static void on_signal(int sig)
{
	quit = 1;
}

struct dash {
	struct mon_roots roots;
	struct gpu_ctx *gpu;
	struct snapshot *snap;
	struct launch_stats ls;
	int trace;
	struct frame frame;
};

static void refresh_data(struct dash *d)
{
	snapshot_read(d->snap, d->gpu, &d->roots);
	if (d->trace)
		ls_update(&d->ls);
	d->snap->ls = &d->ls;
}

static const char *clock_now(char *buf, size_t size)
{
	time_t t = time(NULL);
	struct tm tm;

	strftime(buf, size, "%H:%M:%S", localtime_r(&t, &tm));
	return buf;
}

static int once(struct dash *d, int width)
{
	struct frame_opts o = { 0 };
	char clk[16];
	int i;

	refresh_data(d);
	/* Rates and fdinfo figures are deltas: measure over a short interval. */
	usleep(250000);
	refresh_data(d);
	o.clock = clock_now(clk, sizeof(clk));
	frame_build(&d->frame, width, FRAME_LINES, d->snap, &o);
	for (i = 0; i < d->frame.nlines; i++)
		puts(d->frame.line[i].text);
	return 0;
}

static void draw(struct dash *d, int paused)
{
	struct frame_opts o = { .paused = paused };
	char clk[16];
	int i, rows, cols;

	getmaxyx(stdscr, rows, cols);
	o.clock = clock_now(clk, sizeof(clk));
	frame_build(&d->frame, cols, rows, d->snap, &o);
	erase();
	for (i = 0; i < d->frame.nlines && i < rows; i++) {
		int attr = A_NORMAL;

		switch (d->frame.line[i].attr) {
		case FA_TITLE:
			attr = A_REVERSE;
			break;
		case FA_HEADER:
			attr = A_BOLD;
			break;
		case FA_DIM:
			attr = A_DIM;
			break;
		case FA_WARN:
			attr = has_colors() ? COLOR_PAIR(1) : A_BOLD;
			break;
		default:
			break;
		}
		attron(attr);
		mvaddnstr(i, 0, d->frame.line[i].text, cols);
		attroff(attr);
	}
	refresh();
}

static void draw_help(void)
{
	int rows, cols, i, n = ARRAY_SIZE(help_text);
	int top, left;

	getmaxyx(stdscr, rows, cols);
	top = rows > n + 2 ? (rows - n - 2) / 2 : 0;
	left = cols > 74 ? (cols - 74) / 2 : 0;
	for (i = -1; i <= n; i++) {
		move(top + i + 1, left);
		clrtoeol();
		if (i >= 0 && i < n)
			mvaddnstr(top + i + 1, left + 2, help_text[i], cols - left - 2);
	}
	refresh();
}

static int live(struct dash *d, int delay_s)
{
	int paused = 0, help = 0, ch;
	time_t next = 0;

	if (!initscr()) {
		fprintf(stderr, "ai_monitor dashboard: cannot initialise the terminal\n");
		return 1;
	}
	cbreak();
	noecho();
	keypad(stdscr, TRUE);
	curs_set(0);
	if (has_colors()) {
		start_color();
		use_default_colors();
		init_pair(1, COLOR_YELLOW, -1);
	}
	/* getch() wakes up every 100 ms so that signals and the clock are seen. */
	timeout(100);

	while (!quit) {
		if (!paused && time(NULL) >= next) {
			refresh_data(d);
			next = time(NULL) + delay_s;
			if (!help)
				draw(d, paused);
		}
		if (d->trace)
			ls_service(&d->ls);
		ch = getch();
		if (ch == ERR)
			continue;
		if (help) {
			help = 0;
			draw(d, paused);
			continue;
		}
		switch (ch) {
		case 'q':
		case 'Q':
			quit = 1;
			break;
		case 'p':
		case 'P':
			paused = !paused;
			next = 0;
			draw(d, paused);
			break;
		case 'r':
		case 'R':
			ls_reset(&d->ls);
			draw(d, paused);
			break;
		case '?':
		case 'h':
			help = 1;
			draw_help();
			break;
		case KEY_RESIZE:
			draw(d, paused);
			break;
		}
	}
	endwin();
	return 0;
}

int cmd_dashboard(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "once", no_argument, NULL, '1' },
		{ "delay", required_argument, NULL, 'd' },
		{ "width", required_argument, NULL, 'W' },
		{ "no-tracer", no_argument, NULL, 'T' },
		{ "help", no_argument, NULL, 'h' },
		COMMON_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	struct sigaction sa = { .sa_handler = on_signal };
	int do_once = 0, width = 0, delay = 1, c, ret = 1;
	struct winsize ws;
	struct dash *d;
	long v;

	d = calloc(1, sizeof(*d));
	if (!d)
		return 1;
	mon_roots_default(&d->roots);
	d->trace = 1;
	while ((c = getopt_long(argc, argv, "1d:W:h", longopts, NULL)) != -1) {
		if (common_option(c, optarg, &d->roots))
			continue;
		switch (c) {
		case '1':
			do_once = 1;
			break;
		case 'd':
			if (parse_int(optarg, 1, 3600, &v)) {
				free(d);
				return usage_error("dashboard", dashboard_usage,
						   "bad value '%s' for --delay", optarg);
			}
			delay = v;
			break;
		case 'W':
			if (parse_int(optarg, 40, FRAME_COLS - 1, &v)) {
				free(d);
				return usage_error("dashboard", dashboard_usage,
						   "bad value '%s' for --width (40..%d)", optarg,
						   FRAME_COLS - 1);
			}
			width = v;
			break;
		case 'T':
			d->trace = 0;
			break;
		case 'h':
			fputs(dashboard_usage, stdout);
			free(d);
			return 0;
		default:
			free(d);
			return usage_error("dashboard", dashboard_usage, NULL);
		}
	}
	if (optind < argc) {
		ret = usage_error("dashboard", dashboard_usage, "unexpected argument '%s'",
				  argv[optind]);
		free(d);
		return ret;
	}
	if (!do_once && (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO))) {
		fprintf(stderr, "ai_monitor dashboard: not a terminal; use --once for a plain frame\n");
		free(d);
		return EXIT_USAGE;
	}

	d->snap = snapshot_new();
	d->gpu = gpu_open(&d->roots);
	if (!d->snap || !d->gpu)
		goto out;
	if (d->trace)
		ls_open(&d->ls, 0, 0);
	else
		snprintf(d->ls.why, sizeof(d->ls.why), "not started (--no-tracer)");
	d->trace = d->ls.tracer != NULL;

	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	if (do_once) {
		if (!width)
			width = isatty(STDOUT_FILENO) && !ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) &&
				ws.ws_col >= 40 ? ws.ws_col : 80;
		ret = once(d, width);
	} else {
		ret = live(d, delay);
	}
out:
	ls_close(&d->ls);
	gpu_close(d->gpu);
	free(d->snap);
	free(d);
	return ret;
}

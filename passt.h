/* SPDX-License-Identifier: GPL-2.0-or-later */
/* passt.h - The loop's exit path */

#ifndef PASST_H
#define PASST_H

struct ctx;

__attribute__((noreturn))
void passt_exit(struct ctx *c, int status);

#endif /* PASST_H */

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* isolation.h - Privileges, capabilities, namespaces, empty root, seccomp */

#ifndef ISOLATION_H
#define ISOLATION_H

#include "ctx.h"

#define ISOLATION_RUNAS_DEFAULT	"nobody"

void isolation_drop_user(struct ctx *c);
void isolation_detach_ns(const struct ctx *c);
void isolation_seal(const struct ctx *c);
void isolation_unlink_files(const struct ctx *c);

#endif /* ISOLATION_H */

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test/unit/pasta.c - Namespace targets, inotify events of a removal */

#include <errno.h>
#include <sys/inotify.h>

#include "unit.h"
#include "pasta.h"

UNIT_TEST(pid_target_is_proc_ns_net)
{
	char path[PATH_MAX];
	pid_t pid = -1;

	CHECK_EQ(pasta_target_path("1234", path, sizeof(path), &pid), 0);
	CHECK_EQ(pid, 1234);
	CHECK(!strcmp(path, "/proc/1234/ns/net"));
}

UNIT_TEST(path_target_is_itself_and_name_is_under_run_netns)
{
	char path[PATH_MAX];
	pid_t pid = -1;

	CHECK_EQ(pasta_target_path("/run/user/1000/netns/netns-1", path,
				   sizeof(path), &pid), 0);
	CHECK_EQ(pid, 0);
	CHECK(!strcmp(path, "/run/user/1000/netns/netns-1"));
	CHECK_EQ(pasta_target_path("./ns", path, sizeof(path), &pid), 0);
	CHECK(!strcmp(path, "./ns"));
	CHECK_EQ(pasta_target_path("blue", path, sizeof(path), &pid), 0);
	CHECK(!strcmp(path, "/run/netns/blue"));
	CHECK_EQ(pasta_target_path("12a", path, sizeof(path), &pid), 0);
	CHECK(!strcmp(path, "/run/netns/12a"));		/* a name */
	CHECK_EQ(pid, 0);
}

UNIT_TEST(bad_targets_are_refused)
{
	char path[PATH_MAX], small[12];
	pid_t pid = -1;

	CHECK_EQ(pasta_target_path("", path, sizeof(path), &pid), -EINVAL);
	CHECK_EQ(pasta_target_path(NULL, path, sizeof(path), &pid), -EINVAL);
	CHECK_EQ(pasta_target_path("0", path, sizeof(path), &pid), -EINVAL);
	CHECK_EQ(pasta_target_path("..", path, sizeof(path), &pid), -EINVAL);
	CHECK_EQ(pasta_target_path(".", path, sizeof(path), &pid), -EINVAL);
	CHECK_EQ(pasta_target_path("99999999999", path, sizeof(path), &pid),
		 -ERANGE);
	CHECK_EQ(pasta_target_path("blue", small, sizeof(small), &pid),
		 -ENAMETOOLONG);
	CHECK_EQ(pasta_target_path("123456", small, sizeof(small), &pid),
		 -ENAMETOOLONG);
	CHECK_EQ(pid, 0);
}

/**
 * put_event() - Append an inotify event to a buffer
 * @b:		Buffer
 * @off:	Offset
 * @mask:	Event mask
 * @name:	Entry name, or NULL
 * @len:	Name field length (padded with NULs), >= strlen(name) + 1
 *
 * Return: offset after the event
 */
static size_t put_event(char *b, size_t off, uint32_t mask, const char *name,
			uint32_t len)
{
	struct inotify_event ev = { .wd = 1, .mask = mask, .len = len };

	memcpy(b + off, &ev, sizeof(ev));
	memset(b + off + sizeof(ev), 0, len);
	if (name)
		memcpy(b + off + sizeof(ev), name, strlen(name));
	return off + sizeof(ev) + len;
}

UNIT_TEST(removal_of_our_name_only_counts)
{
	char b[512];
	size_t len;

	len = put_event(b, 0, IN_DELETE, "netns-2", 16);
	len = put_event(b, len, IN_DELETE, "netns-10", 16);
	CHECK(!pasta_inotify_gone(b, len, "netns-1"));
	len = put_event(b, len, IN_MOVED_FROM, "netns-1", 8);
	CHECK(pasta_inotify_gone(b, len, "netns-1"));
	CHECK(pasta_inotify_gone(b, len, "netns-2"));
	CHECK(!pasta_inotify_gone(b, len, "netns"));
	len = put_event(b, 0, IN_CREATE, "netns-1", 16);
	CHECK(!pasta_inotify_gone(b, len, "netns-1"));
}

UNIT_TEST(directory_events_and_overflow_count)
{
	char b[256];

	CHECK(pasta_inotify_gone(b, put_event(b, 0, IN_DELETE_SELF, NULL, 0),
				 "x"));
	CHECK(pasta_inotify_gone(b, put_event(b, 0, IN_IGNORED, NULL, 0),
				 "x"));
	CHECK(pasta_inotify_gone(b, put_event(b, 0, IN_Q_OVERFLOW, NULL, 0),
				 "x"));
}

UNIT_TEST(truncated_events_are_not_read_past_the_end)
{
	char b[256];
	size_t len = put_event(b, 0, IN_DELETE, "netns-1", 16);

	CHECK(!pasta_inotify_gone(b, len - 9, "netns-1"));
	CHECK(!pasta_inotify_gone(b, sizeof(struct inotify_event) - 1,
				  "netns-1"));
	/* A name filling its field, no NUL: not ours, no overread */
	len = put_event(b, 0, IN_DELETE, "netns-1x", 8);
	CHECK(!pasta_inotify_gone(b, len, "netns-1"));
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "wb-home.h"

#include <errno.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <unistd.h>

char *
wb_home_get_dir (void)
{
  const char *home = g_getenv ("WIREBOX_HOME");

  if (home != NULL && *home != '\0')
    return g_strdup (home);
  return g_build_filename (g_get_user_config_dir (), "wirebox", NULL);
}

char *
wb_home_get_db_path (void)
{
  g_autofree char *dir = wb_home_get_dir ();

  return g_build_filename (dir, "wirebox.db", NULL);
}

char *
wb_home_get_lock_path (void)
{
  g_autofree char *dir = wb_home_get_dir ();

  return g_build_filename (dir, "engine.lock", NULL);
}

char *
wb_home_get_logs_dir (void)
{
  g_autofree char *dir = wb_home_get_dir ();

  return g_build_filename (dir, "logs", NULL);
}

char *
wb_home_get_socket_path (void)
{
  const char *home = g_getenv ("WIREBOX_HOME");

  if (home != NULL && *home != '\0')
    return g_build_filename (home, "engine.sock", NULL);
  return g_build_filename (g_get_user_runtime_dir (), "wirebox", "engine.sock", NULL);
}

gboolean
wb_home_ensure_dirs (GError **error)
{
  g_autofree char *dir = wb_home_get_dir ();
  g_autofree char *socket_path = wb_home_get_socket_path ();
  g_autofree char *socket_dir = g_path_get_dirname (socket_path);
  const char *dirs[] = { dir, socket_dir };

  for (guint i = 0; i < G_N_ELEMENTS (dirs); i++)
    {
      if (g_mkdir_with_parents (dirs[i], 0700) != 0)
        {
          int saved = errno;

          g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                       "Cannot create folder %s: %s", dirs[i], g_strerror (saved));
          return FALSE;
        }
    }
  return TRUE;
}

gboolean
wb_home_lock_is_held (pid_t *pid)
{
  g_autofree char *path = wb_home_get_lock_path ();
  struct flock query = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
  gboolean held;
  int fd;

  if (pid != NULL)
    *pid = 0;

  fd = g_open (path, O_RDONLY | O_CLOEXEC, 0);
  if (fd < 0)
    return FALSE;

  /* Ask without taking anything: a client that took even a shared lock could
   * make a starting engine believe another one runs. The kernel drops an
   * engine's lock when it dies, so a stale file reads as free. */
  held = fcntl (fd, F_OFD_GETLK, &query) == 0 && query.l_type != F_UNLCK;
  if (held && pid != NULL)
    {
      char buf[32] = { 0 };

      if (pread (fd, buf, sizeof buf - 1, 0) > 0)
        *pid = (pid_t) g_ascii_strtoll (buf, NULL, 10);
    }
  close (fd);
  return held;
}

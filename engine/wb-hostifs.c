/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "wb-hostifs.h"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>

void
wb_host_if_free (WbHostIf *hostif)
{
  if (hostif == NULL)
    return;
  g_free (hostif->name);
  g_free (hostif->ip);
  g_free (hostif->netmask);
  g_free (hostif->mac);
  g_free (hostif);
}

static char *
read_sysfs (const char *ifname,
            const char *attribute)
{
  g_autofree char *path = g_build_filename ("/sys/class/net", ifname, attribute, NULL);
  g_autofree char *contents = NULL;

  if (!g_file_get_contents (path, &contents, NULL, NULL))
    return g_strdup ("");
  return g_strdup (g_strstrip (contents));
}

static WbHostIf *
find_or_add (GPtrArray  *list,
             const char *name)
{
  WbHostIf *hostif;

  for (guint i = 0; i < list->len; i++)
    {
      hostif = g_ptr_array_index (list, i);
      if (g_str_equal (hostif->name, name))
        return hostif;
    }

  hostif = g_new0 (WbHostIf, 1);
  hostif->name = g_strdup (name);
  hostif->ip = g_strdup ("");
  hostif->netmask = g_strdup ("");
  g_ptr_array_add (list, hostif);
  return hostif;
}

static char *
sockaddr_to_string (const struct sockaddr *sa)
{
  char buf[INET_ADDRSTRLEN];
  const struct sockaddr_in *sin = (const struct sockaddr_in *) sa;

  if (sa == NULL || inet_ntop (AF_INET, &sin->sin_addr, buf, sizeof buf) == NULL)
    return g_strdup ("");
  return g_strdup (buf);
}

static int
compare_by_name (gconstpointer a,
                 gconstpointer b)
{
  const WbHostIf *x = *(WbHostIf * const *) a;
  const WbHostIf *y = *(WbHostIf * const *) b;

  return g_strcmp0 (x->name, y->name);
}

GPtrArray *
wb_host_ifs_list (void)
{
  GPtrArray *list = g_ptr_array_new_with_free_func ((GDestroyNotify) wb_host_if_free);
  struct ifaddrs *addrs = NULL;

  if (getifaddrs (&addrs) != 0)
    return list;

  for (struct ifaddrs *it = addrs; it != NULL; it = it->ifa_next)
    {
      WbHostIf *hostif;

      if (it->ifa_name == NULL || (it->ifa_flags & IFF_LOOPBACK) != 0)
        continue;

      hostif = find_or_add (list, it->ifa_name);
      hostif->up = (it->ifa_flags & IFF_UP) != 0;
      if (it->ifa_addr != NULL && it->ifa_addr->sa_family == AF_INET && *hostif->ip == '\0')
        {
          g_free (hostif->ip);
          g_free (hostif->netmask);
          hostif->ip = sockaddr_to_string (it->ifa_addr);
          hostif->netmask = sockaddr_to_string (it->ifa_netmask);
        }
    }
  freeifaddrs (addrs);

  for (guint i = 0; i < list->len; i++)
    {
      WbHostIf *hostif = g_ptr_array_index (list, i);
      g_autofree char *mtu = read_sysfs (hostif->name, "mtu");
      g_autofree char *wireless = g_build_filename ("/sys/class/net", hostif->name,
                                                    "wireless", NULL);

      hostif->mac = read_sysfs (hostif->name, "address");
      hostif->mtu = (guint) g_ascii_strtoull (mtu, NULL, 10);
      hostif->wireless = g_file_test (wireless, G_FILE_TEST_IS_DIR);
    }

  g_ptr_array_sort (list, compare_by_name);
  return list;
}

char *
wb_host_ifs_pick_bridge (void)
{
  g_autoptr(GPtrArray) ifs = wb_host_ifs_list ();

  for (guint i = 0; i < ifs->len; i++)
    {
      const WbHostIf *hostif = g_ptr_array_index (ifs, i);

      if (hostif->ip[0] != '\0')
        return g_strdup (hostif->name);
    }
  return ifs->len > 0 ? g_strdup (((WbHostIf *) g_ptr_array_index (ifs, 0))->name) : NULL;
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <locale.h>

#include "wb-manage.h"

int
main (int    argc,
      char **argv)
{
  setlocale (LC_ALL, "");
  return wb_manage_main (argc, argv);
}

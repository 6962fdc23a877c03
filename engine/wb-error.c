/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "wb-error.h"

#include <gio/gio.h>

static const GDBusErrorEntry wb_error_entries[] = {
  { WB_ERROR_FAILED, "io.github.wirebox.Error.Failed" },
  { WB_ERROR_INVALID_ARGUMENT, "io.github.wirebox.Error.InvalidArgument" },
  { WB_ERROR_UNKNOWN_OPTION, "io.github.wirebox.Error.UnknownOption" },
  { WB_ERROR_NOT_FOUND, "io.github.wirebox.Error.NotFound" },
  { WB_ERROR_EXISTS, "io.github.wirebox.Error.Exists" },
  { WB_ERROR_BUSY, "io.github.wirebox.Error.Busy" },
  { WB_ERROR_PORT_IN_USE, "io.github.wirebox.Error.PortInUse" },
  { WB_ERROR_NOT_SUPPORTED, "io.github.wirebox.Error.NotSupported" },
};

GQuark
wb_error_quark (void)
{
  static gsize quark = 0;

  g_dbus_error_register_error_domain ("wb-error-quark", &quark,
                                      wb_error_entries,
                                      G_N_ELEMENTS (wb_error_entries));
  return (GQuark) quark;
}

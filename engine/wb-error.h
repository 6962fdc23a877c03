/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Registered with GDBus as io.github.wirebox.Error.<Name> (wb-error.c). */
typedef enum
{
  WB_ERROR_FAILED,            /* Failed */
  WB_ERROR_INVALID_ARGUMENT,  /* InvalidArgument */
  WB_ERROR_UNKNOWN_OPTION,    /* UnknownOption */
  WB_ERROR_NOT_FOUND,         /* NotFound */
  WB_ERROR_EXISTS,            /* Exists */
  WB_ERROR_BUSY,              /* Busy */
  WB_ERROR_PORT_IN_USE,       /* PortInUse */
  WB_ERROR_NOT_SUPPORTED,     /* NotSupported */
} WbError;

#define WB_ERROR (wb_error_quark ())
GQuark wb_error_quark (void);

G_END_DECLS

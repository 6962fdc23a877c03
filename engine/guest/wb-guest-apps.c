/* SPDX-License-Identifier: GPL-3.0-or-later */
/* PLACEHOLDER until the services and the tcp/http commands land. */
#include "wb-guest-private.h"

gboolean
_wb_guest_apps_start_service (WbGuest            *guest,
                              guint16             port,
                              WbGuestServiceKind  kind,
                              GError            **error)
{
  g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED, "services are not there yet");
  return FALSE;
}

void
_wb_guest_apps_stop_service (WbGuest *guest,
                             guint16  port)
{
}

void
_wb_guest_apps_run_tcp (WbGuest            *guest,
                        const char * const *argv,
                        GTask              *task)
{
  _wb_guest_run_return (task, 127, g_string_new ("tcp: not there yet\n"));
}

void
_wb_guest_apps_run_http (WbGuest            *guest,
                         const char * const *argv,
                         GTask              *task)
{
  _wb_guest_run_return (task, 127, g_string_new ("http: not there yet\n"));
}

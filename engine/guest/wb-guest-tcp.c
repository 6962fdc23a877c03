/* SPDX-License-Identifier: GPL-3.0-or-later */
/* PLACEHOLDER until the TCP implementation lands: drops every segment. */
#include "wb-guest-private.h"
#include "wb-tcp.h"

struct _WbTcpStack
{
  WbGuest *guest;
};

WbTcpStack *
_wb_tcp_stack_new (WbGuest *guest)
{
  WbTcpStack *stack = g_new0 (WbTcpStack, 1);

  stack->guest = guest;
  return stack;
}

void
_wb_tcp_stack_free (WbTcpStack *stack)
{
  g_free (stack);
}

void
_wb_tcp_input (WbTcpStack   *stack,
               guint32       src,
               guint32       dst,
               const guint8 *segment,
               gsize         len)
{
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * One row of the port-forwarding table as the user is editing it: every
 * field is kept as typed (ports too), so that a half-typed value stays on
 * screen; the editor judges the values and sets the row's problem.
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* The positions of the protocol drop-down. */
typedef enum
{
  WB_RULE_PROTOCOL_TCP,
  WB_RULE_PROTOCOL_UDP,
} WbRuleProtocol;

#define WB_TYPE_PORT_FORWARDING_RULE (wb_port_forwarding_rule_get_type ())
G_DECLARE_FINAL_TYPE (WbPortForwardingRule, wb_port_forwarding_rule, WB, PORT_FORWARDING_RULE, GObject)

WbPortForwardingRule *wb_port_forwarding_rule_new           (const char           *name,
                                                             WbRuleProtocol        protocol,
                                                             const char           *host_ip,
                                                             const char           *host_port,
                                                             const char           *guest_ip,
                                                             const char           *guest_port);
/* A rule from the engine's (sssqsq) tuple; a tuple with a seventh member
 * a{sv} may carry "state" s and "reason" s (a port that could not be
 * bound). NULL when the first six members are not (sssqsq). */
WbPortForwardingRule *wb_port_forwarding_rule_new_from_variant (GVariant          *tuple);
/* The same fields under @name; no state, reason or problem. */
WbPortForwardingRule *wb_port_forwarding_rule_copy          (WbPortForwardingRule *self,
                                                             const char           *name);

const char     *wb_port_forwarding_rule_get_name       (WbPortForwardingRule *self);
WbRuleProtocol  wb_port_forwarding_rule_get_protocol   (WbPortForwardingRule *self);
const char     *wb_port_forwarding_rule_get_host_ip    (WbPortForwardingRule *self);
const char     *wb_port_forwarding_rule_get_host_port  (WbPortForwardingRule *self);
const char     *wb_port_forwarding_rule_get_guest_ip   (WbPortForwardingRule *self);
const char     *wb_port_forwarding_rule_get_guest_port (WbPortForwardingRule *self);
const char     *wb_port_forwarding_rule_get_reason     (WbPortForwardingRule *self);
const char     *wb_port_forwarding_rule_get_problem    (WbPortForwardingRule *self);

/* "tcp" or "udp", as the engine spells it. */
const char     *wb_rule_protocol_to_string             (WbRuleProtocol        protocol);

/* @field names the property at fault ("host-port"), @problem says what is
 * wrong; both NULL when the row is fine. */
void            wb_port_forwarding_rule_set_problem    (WbPortForwardingRule *self,
                                                        const char           *field,
                                                        const char           *problem);

G_END_DECLS

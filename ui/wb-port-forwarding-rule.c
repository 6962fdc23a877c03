/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "wb-port-forwarding-rule.h"

enum {
  PROP_0,
  PROP_NAME,
  PROP_PROTOCOL,
  PROP_HOST_IP,
  PROP_HOST_PORT,
  PROP_GUEST_IP,
  PROP_GUEST_PORT,
  PROP_STATE,
  PROP_REASON,
  PROP_PROBLEM,
  PROP_PROBLEM_FIELD,
  N_PROPS
};

struct _WbPortForwardingRule
{
  GObject         parent_instance;

  WbRuleProtocol  protocol;
  /* Every string property, by property id; never NULL. */
  char           *strings[N_PROPS];
};

G_DEFINE_FINAL_TYPE (WbPortForwardingRule, wb_port_forwarding_rule, G_TYPE_OBJECT)

static GParamSpec *properties[N_PROPS];

static void
set_string (WbPortForwardingRule *self,
            guint                 prop_id,
            const char           *value)
{
  if (value == NULL)
    value = "";
  if (g_strcmp0 (self->strings[prop_id], value) == 0)
    return;
  g_free (self->strings[prop_id]);
  self->strings[prop_id] = g_strdup (value);
  g_object_notify_by_pspec (G_OBJECT (self), properties[prop_id]);
}

static void
set_protocol (WbPortForwardingRule *self,
              WbRuleProtocol        protocol)
{
  if (self->protocol == protocol)
    return;
  self->protocol = protocol;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PROTOCOL]);
}

static void
wb_port_forwarding_rule_finalize (GObject *object)
{
  WbPortForwardingRule *self = WB_PORT_FORWARDING_RULE (object);

  for (guint i = 0; i < N_PROPS; i++)
    g_free (self->strings[i]);

  G_OBJECT_CLASS (wb_port_forwarding_rule_parent_class)->finalize (object);
}

static void
wb_port_forwarding_rule_get_property (GObject    *object,
                                      guint       prop_id,
                                      GValue     *value,
                                      GParamSpec *pspec)
{
  WbPortForwardingRule *self = WB_PORT_FORWARDING_RULE (object);

  switch (prop_id)
    {
    case PROP_PROTOCOL:
      g_value_set_uint (value, self->protocol);
      break;
    case PROP_NAME:
    case PROP_HOST_IP:
    case PROP_HOST_PORT:
    case PROP_GUEST_IP:
    case PROP_GUEST_PORT:
    case PROP_STATE:
    case PROP_REASON:
    case PROP_PROBLEM:
    case PROP_PROBLEM_FIELD:
      g_value_set_string (value, self->strings[prop_id]);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
wb_port_forwarding_rule_set_property (GObject      *object,
                                      guint         prop_id,
                                      const GValue *value,
                                      GParamSpec   *pspec)
{
  WbPortForwardingRule *self = WB_PORT_FORWARDING_RULE (object);

  switch (prop_id)
    {
    case PROP_PROTOCOL:
      set_protocol (self, g_value_get_uint (value));
      break;
    case PROP_NAME:
    case PROP_HOST_IP:
    case PROP_HOST_PORT:
    case PROP_GUEST_IP:
    case PROP_GUEST_PORT:
    case PROP_STATE:
    case PROP_REASON:
      set_string (self, prop_id, g_value_get_string (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static GParamSpec *
string_property (const char  *name,
                 GParamFlags  flags)
{
  return g_param_spec_string (name, NULL, NULL, "",
                              flags | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
}

static void
wb_port_forwarding_rule_class_init (WbPortForwardingRuleClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = wb_port_forwarding_rule_finalize;
  object_class->get_property = wb_port_forwarding_rule_get_property;
  object_class->set_property = wb_port_forwarding_rule_set_property;

  properties[PROP_NAME] = string_property ("name", G_PARAM_READWRITE);
  properties[PROP_PROTOCOL] =
    g_param_spec_uint ("protocol", NULL, NULL,
                       WB_RULE_PROTOCOL_TCP, WB_RULE_PROTOCOL_UDP, WB_RULE_PROTOCOL_TCP,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_HOST_IP] = string_property ("host-ip", G_PARAM_READWRITE);
  properties[PROP_HOST_PORT] = string_property ("host-port", G_PARAM_READWRITE);
  properties[PROP_GUEST_IP] = string_property ("guest-ip", G_PARAM_READWRITE);
  properties[PROP_GUEST_PORT] = string_property ("guest-port", G_PARAM_READWRITE);
  /* What the engine reports about the rule's listening socket. */
  properties[PROP_STATE] = string_property ("state", G_PARAM_READWRITE);
  properties[PROP_REASON] = string_property ("reason", G_PARAM_READWRITE);
  properties[PROP_PROBLEM] = string_property ("problem", G_PARAM_READABLE);
  properties[PROP_PROBLEM_FIELD] = string_property ("problem-field", G_PARAM_READABLE);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
wb_port_forwarding_rule_init (WbPortForwardingRule *self)
{
  for (guint i = 0; i < N_PROPS; i++)
    self->strings[i] = g_strdup ("");
}

WbPortForwardingRule *
wb_port_forwarding_rule_new (const char     *name,
                             WbRuleProtocol  protocol,
                             const char     *host_ip,
                             const char     *host_port,
                             const char     *guest_ip,
                             const char     *guest_port)
{
  return g_object_new (WB_TYPE_PORT_FORWARDING_RULE,
                       "name", name,
                       "protocol", protocol,
                       "host-ip", host_ip,
                       "host-port", host_port,
                       "guest-ip", guest_ip,
                       "guest-port", guest_port,
                       NULL);
}

static gboolean
child_is (GVariant           *tuple,
          gsize               index,
          const GVariantType *type)
{
  g_autoptr(GVariant) child = NULL;

  if (index >= g_variant_n_children (tuple))
    return FALSE;
  child = g_variant_get_child_value (tuple, index);
  return g_variant_is_of_type (child, type);
}

WbPortForwardingRule *
wb_port_forwarding_rule_new_from_variant (GVariant *tuple)
{
  g_autoptr(GVariant) extra = NULL;
  g_autofree char *host_port = NULL;
  g_autofree char *guest_port = NULL;
  WbPortForwardingRule *self;
  const char *name, *proto, *host_ip, *guest_ip;
  guint16 hport, gport;

  g_return_val_if_fail (g_variant_is_of_type (tuple, G_VARIANT_TYPE_TUPLE), NULL);

  /* A reply of another shape would make g_variant_get_child() fail
   * loudly and leave the strings unset. */
  if (!child_is (tuple, 0, G_VARIANT_TYPE_STRING) || !child_is (tuple, 1, G_VARIANT_TYPE_STRING) ||
      !child_is (tuple, 2, G_VARIANT_TYPE_STRING) || !child_is (tuple, 3, G_VARIANT_TYPE_UINT16) ||
      !child_is (tuple, 4, G_VARIANT_TYPE_STRING) || !child_is (tuple, 5, G_VARIANT_TYPE_UINT16))
    return NULL;

  g_variant_get_child (tuple, 0, "&s", &name);
  g_variant_get_child (tuple, 1, "&s", &proto);
  g_variant_get_child (tuple, 2, "&s", &host_ip);
  g_variant_get_child (tuple, 3, "q", &hport);
  g_variant_get_child (tuple, 4, "&s", &guest_ip);
  g_variant_get_child (tuple, 5, "q", &gport);
  host_port = g_strdup_printf ("%u", hport);
  guest_port = g_strdup_printf ("%u", gport);
  self = wb_port_forwarding_rule_new (name,
                                      g_ascii_strcasecmp (proto, "udp") == 0
                                      ? WB_RULE_PROTOCOL_UDP : WB_RULE_PROTOCOL_TCP,
                                      host_ip, host_port, guest_ip, guest_port);

  /* The engine will report on each rule's socket here. */
  if (g_variant_n_children (tuple) > 6)
    extra = g_variant_get_child_value (tuple, 6);
  if (extra != NULL && g_variant_is_of_type (extra, G_VARIANT_TYPE_VARDICT))
    {
      const char *state = NULL, *reason = NULL;

      if (g_variant_lookup (extra, "state", "&s", &state))
        set_string (self, PROP_STATE, state);
      if (g_variant_lookup (extra, "reason", "&s", &reason))
        set_string (self, PROP_REASON, reason);
    }
  return self;
}

WbPortForwardingRule *
wb_port_forwarding_rule_copy (WbPortForwardingRule *self,
                              const char           *name)
{
  g_return_val_if_fail (WB_IS_PORT_FORWARDING_RULE (self), NULL);

  return wb_port_forwarding_rule_new (name, self->protocol,
                                      self->strings[PROP_HOST_IP],
                                      self->strings[PROP_HOST_PORT],
                                      self->strings[PROP_GUEST_IP],
                                      self->strings[PROP_GUEST_PORT]);
}

const char *
wb_port_forwarding_rule_get_name (WbPortForwardingRule *self)
{
  g_return_val_if_fail (WB_IS_PORT_FORWARDING_RULE (self), NULL);
  return self->strings[PROP_NAME];
}

WbRuleProtocol
wb_port_forwarding_rule_get_protocol (WbPortForwardingRule *self)
{
  g_return_val_if_fail (WB_IS_PORT_FORWARDING_RULE (self), WB_RULE_PROTOCOL_TCP);
  return self->protocol;
}

const char *
wb_port_forwarding_rule_get_host_ip (WbPortForwardingRule *self)
{
  g_return_val_if_fail (WB_IS_PORT_FORWARDING_RULE (self), NULL);
  return self->strings[PROP_HOST_IP];
}

const char *
wb_port_forwarding_rule_get_host_port (WbPortForwardingRule *self)
{
  g_return_val_if_fail (WB_IS_PORT_FORWARDING_RULE (self), NULL);
  return self->strings[PROP_HOST_PORT];
}

const char *
wb_port_forwarding_rule_get_guest_ip (WbPortForwardingRule *self)
{
  g_return_val_if_fail (WB_IS_PORT_FORWARDING_RULE (self), NULL);
  return self->strings[PROP_GUEST_IP];
}

const char *
wb_port_forwarding_rule_get_guest_port (WbPortForwardingRule *self)
{
  g_return_val_if_fail (WB_IS_PORT_FORWARDING_RULE (self), NULL);
  return self->strings[PROP_GUEST_PORT];
}

const char *
wb_port_forwarding_rule_get_reason (WbPortForwardingRule *self)
{
  g_return_val_if_fail (WB_IS_PORT_FORWARDING_RULE (self), NULL);
  return self->strings[PROP_REASON];
}

const char *
wb_port_forwarding_rule_get_problem (WbPortForwardingRule *self)
{
  g_return_val_if_fail (WB_IS_PORT_FORWARDING_RULE (self), NULL);
  return self->strings[PROP_PROBLEM];
}

const char *
wb_rule_protocol_to_string (WbRuleProtocol protocol)
{
  return protocol == WB_RULE_PROTOCOL_UDP ? "udp" : "tcp";
}

void
wb_port_forwarding_rule_set_problem (WbPortForwardingRule *self,
                                     const char           *field,
                                     const char           *problem)
{
  g_return_if_fail (WB_IS_PORT_FORWARDING_RULE (self));

  set_string (self, PROP_PROBLEM_FIELD, field);
  set_string (self, PROP_PROBLEM, problem);
}

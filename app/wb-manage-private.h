/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * What the wirebox-manage command files share.
 *
 * Every command parses its whole command line with _wb_manage_args_next()
 * before it connects, so that --help and syntax errors never start an
 * engine. The CLI checks syntax only (option names, which take values,
 * required options); the engine validates every value.
 */
#pragma once

#include <gio/gio.h>

#include "wb-dbus.h"

G_BEGIN_DECLS

#define WB_MANAGE_ERROR (_wb_manage_error_quark ())

typedef enum
{
  WB_MANAGE_ERROR_SYNTAX,  /* a malformed command line: exit 2 */
  WB_MANAGE_ERROR_HELP,    /* --help was asked for: usage, exit 0 */
} WbManageError;

GQuark _wb_manage_error_quark (void);

/* An error in this domain ends wirebox-manage with its code (0..255) as
 * the exit status, and prints its message unless that is empty: how a
 * guest command's own status, or a timeout's, leaves the program. */
#define WB_MANAGE_EXIT (_wb_manage_exit_quark ())

GQuark _wb_manage_exit_quark (void);

/* The slot count of VIRTUALBOX.md §1, for usage texts only: slot numbers
 * are passed to the engine as written, and it refuses the wrong ones. */
#define WB_MANAGE_N_SLOTS 8

typedef enum
{
  WB_MANAGE_OPTION_FLAG   = 0,
  WB_MANAGE_OPTION_VALUE  = 1 << 0, /* takes a value */
  WB_MANAGE_OPTION_SLOT   = 1 << 1, /* the name ends with an adapter number */
  WB_MANAGE_OPTION_DELETE = 1 << 2, /* "delete NAME" takes one more argument */
  WB_MANAGE_OPTION_ADD_REMOVE = 1 << 3, /* "add VALUE" or "remove VALUE" */
} WbManageOptionFlags;

/* One row of a command's option table; a table ends with a NULL name. */
typedef struct
{
  const char          *name;   /* "--nic-type" */
  const char          *alias;  /* the other spelling, "--nictype", or NULL */
  const char          *key;    /* the engine's name for it, "nictype" */
  WbManageOptionFlags  flags;
  const char          *syntax; /* the value, for usage texts */
  const char          *remove_syntax; /* the value after "remove", likewise */
} WbManageOption;

/* A cursor over a command's arguments. */
typedef struct
{
  int                    argc;
  char                 **argv;
  int                    next;
  const WbManageOption  *options;
  const char * const    *unsupported; /* VBoxManage options Wirebox lacks */
  gboolean               positional_only; /* after "--" */
  char                  *name;        /* the current option as written */
  GError                *error;
} WbManageArgs;

/* One parsed argument. */
typedef struct
{
  const WbManageOption *option;  /* NULL for a positional argument */
  const char           *name;    /* as written, without its value: "--nic1" */
  guint32               slot;    /* for WB_MANAGE_OPTION_SLOT */
  const char           *value;   /* the value, the name after "delete" or
                                    "add"/"remove", or the positional
                                    argument */
  gboolean              delete;  /* "delete NAME" or "remove VALUE" */
} WbManageArg;

typedef gboolean (*WbManageCommandFunc) (int      argc,
                                         char   **argv,
                                         GError **error);

typedef gboolean (*WbManageListFunc) (WbDBusEngine  *engine,
                                      gboolean       long_format,
                                      gboolean       sorted,
                                      GString       *out,
                                      GError       **error);

/* wb-manage.c */
void          _wb_manage_args_init       (WbManageArgs          *args,
                                          int                    argc,
                                          char                 **argv,
                                          const WbManageOption  *options,
                                          const char * const    *unsupported);
void          _wb_manage_args_clear      (WbManageArgs          *args);
gboolean      _wb_manage_args_next       (WbManageArgs          *args,
                                          WbManageArg           *arg);
gboolean      _wb_manage_args_finish     (WbManageArgs          *args,
                                          GError               **error);
char         *_wb_manage_arg_key         (const WbManageArg     *arg);
gboolean      _wb_manage_match_slot      (const char            *written,
                                          const char            *name,
                                          guint32               *slot);
gboolean      _wb_manage_syntax_error    (GError               **error,
                                          const char            *format,
                                          ...) G_GNUC_PRINTF (2, 3);
gboolean      _wb_manage_not_supported   (GError               **error,
                                          const char            *what);
gboolean      _wb_manage_exit            (GError               **error,
                                          int                    status,
                                          const char            *message);
WbDBusEngine *_wb_manage_connect         (GError               **error);
int           _wb_manage_report_error    (GError                *error);

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (WbManageArgs, _wb_manage_args_clear)

/* wb-manage-vm.c */
extern const WbManageOption _wb_manage_modifyvm_options[];
extern const WbManageOption _wb_manage_guestconfig_options[];

gboolean _wb_manage_createvm          (int            argc,
                                       char         **argv,
                                       GError       **error);
gboolean _wb_manage_unregistervm      (int            argc,
                                       char         **argv,
                                       GError       **error);
gboolean _wb_manage_showvminfo        (int            argc,
                                       char         **argv,
                                       GError       **error);
gboolean _wb_manage_modifyvm          (int            argc,
                                       char         **argv,
                                       GError       **error);
gboolean _wb_manage_list_vms          (WbDBusEngine  *engine,
                                       gboolean       long_format,
                                       gboolean       sorted,
                                       GString       *out,
                                       GError       **error);
gboolean _wb_manage_list_running_vms  (WbDBusEngine  *engine,
                                       gboolean       long_format,
                                       gboolean       sorted,
                                       GString       *out,
                                       GError       **error);
gboolean _wb_manage_startvm           (int            argc,
                                       char         **argv,
                                       GError       **error);
gboolean _wb_manage_controlvm         (int            argc,
                                       char         **argv,
                                       GError       **error);
gboolean _wb_manage_guestconfig       (int            argc,
                                       char         **argv,
                                       GError       **error);
gboolean _wb_manage_guestcontrol      (int            argc,
                                       char         **argv,
                                       GError       **error);
gboolean _wb_manage_guestproperty     (int            argc,
                                       char         **argv,
                                       GError       **error);

/* wb-manage-net.c */
gboolean _wb_manage_natnetwork        (int            argc,
                                       char         **argv,
                                       GError       **error);
gboolean _wb_manage_hostonlyif        (int            argc,
                                       char         **argv,
                                       GError       **error);
gboolean _wb_manage_dhcpserver        (int            argc,
                                       char         **argv,
                                       GError       **error);
gboolean _wb_manage_list_natnets      (WbDBusEngine  *engine,
                                       gboolean       long_format,
                                       gboolean       sorted,
                                       GString       *out,
                                       GError       **error);
gboolean _wb_manage_list_hostonlyifs  (WbDBusEngine  *engine,
                                       gboolean       long_format,
                                       gboolean       sorted,
                                       GString       *out,
                                       GError       **error);
gboolean _wb_manage_list_bridgedifs   (WbDBusEngine  *engine,
                                       gboolean       long_format,
                                       gboolean       sorted,
                                       GString       *out,
                                       GError       **error);
gboolean _wb_manage_list_intnets      (WbDBusEngine  *engine,
                                       gboolean       long_format,
                                       gboolean       sorted,
                                       GString       *out,
                                       GError       **error);
gboolean _wb_manage_list_dhcpservers  (WbDBusEngine  *engine,
                                       gboolean       long_format,
                                       gboolean       sorted,
                                       GString       *out,
                                       GError       **error);

/* wb-manage-matrix.c */
gboolean _wb_manage_matrix            (int            argc,
                                       char         **argv,
                                       GError       **error);

/* wb-manage-output.c */
void        _wb_manage_append_field     (GString     *out,
                                         guint        column,
                                         const char  *label,
                                         const char  *format,
                                         ...) G_GNUC_PRINTF (4, 5);
void        _wb_manage_append_mr        (GString     *out,
                                         const char  *key,
                                         const char  *value);
void        _wb_manage_append_mr_printf (GString     *out,
                                         const char  *key,
                                         const char  *format,
                                         ...) G_GNUC_PRINTF (3, 4);
char       *_wb_manage_one_line         (const char  *text);
const char *_wb_manage_yes_no           (gboolean     value);
const char *_wb_manage_on_off           (gboolean     value);
const char *_wb_manage_lookup_string    (GVariant    *dict,
                                         const char  *key);
gboolean    _wb_manage_lookup_boolean   (GVariant    *dict,
                                         const char  *key);
guint32     _wb_manage_lookup_uint      (GVariant    *dict,
                                         const char  *key);
guint64     _wb_manage_lookup_uint64    (GVariant    *dict,
                                         const char  *key);
GVariant   *_wb_manage_lookup_value     (GVariant    *dict,
                                         const char  *key,
                                         const char  *type);
void        _wb_manage_print            (GString     *out);

G_END_DECLS

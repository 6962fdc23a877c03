/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "wb-test-ui.h"

#include <adwaita.h>

#include "wb-resources.h"

char *
wb_test_ui_init (int          *argc,
                 char       ***argv,
                 const char   *tmpl)
{
  char *home;

  g_setenv ("LANGUAGE", "C", TRUE);
  home = wb_test_set_up_home (tmpl);

  gtk_test_init (argc, argv, NULL);
  adw_init ();
  g_resources_register (wb_get_resource ());
  return home;
}

GObject *
wb_test_child (gpointer    widget,
               GType       type,
               const char *id)
{
  GObject *object = gtk_widget_get_template_child (GTK_WIDGET (widget), type, id);

  g_assert_nonnull (object);
  return object;
}

void
wb_test_destroy_toplevels (void)
{
  GListModel *toplevels = gtk_window_get_toplevels ();

  while (g_list_model_get_n_items (toplevels) > 0)
    {
      g_autoptr(GtkWindow) window = g_list_model_get_item (toplevels, 0);

      gtk_window_destroy (window);
    }
}

void
wb_test_ui_fixture_tear_down (WbTestUiFixture *fixture,
                              gconstpointer    data)
{
  wb_test_destroy_toplevels ();
  wb_test_engine_stop (&fixture->engine);
}

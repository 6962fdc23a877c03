/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The guest's TCP (RFC 9293): handshake with MSS, sliding window with window
 * scaling (RFC 7323), retransmission with RTO estimation and back-off
 * (RFC 6298), fast retransmit (RFC 5681), orderly and abortive close,
 * TIME-WAIT. Sockets are event-driven: no call blocks.
 */
#pragma once

#include "wb-guest.h"

G_BEGIN_DECLS

typedef struct _WbTcpSocket WbTcpSocket;

typedef struct
{
  /* Active open: the handshake completed. */
  void (*connected) (WbTcpSocket  *socket,
                     gpointer      user_data);
  /* In-order data; @len 0 means the peer closed its side (FIN). */
  void (*received)  (WbTcpSocket  *socket,
                     const guint8 *data,
                     gsize         len,
                     gpointer      user_data);
  /* The send buffer has room again after wb_tcp_send() took less than it
   * was given. */
  void (*writable)  (WbTcpSocket  *socket,
                     gpointer      user_data);
  /* The connection is over: closed in order (@error NULL), reset, refused
   * or timed out (G_IO_ERROR_CONNECTION_CLOSED, _CONNECTION_REFUSED,
   * _TIMED_OUT, _HOST_UNREACHABLE...). The socket is freed right after this
   * returns; no other callback follows. */
  void (*closed)    (WbTcpSocket  *socket,
                     const GError *error,
                     gpointer      user_data);
} WbTcpCallbacks;

/* A new connection arrived on a listening port; set its callbacks here
 * (wb_tcp_socket_set_callbacks) or abort it. */
typedef void (*WbTcpAcceptFunc) (WbTcpSocket *socket,
                                 gpointer     user_data);

/* @port 0 listens on every port that has no listener of its own (the host
 * endpoint's relay uses it). */
gboolean      wb_tcp_listen               (WbGuest               *guest,
                                           guint16                port,
                                           WbTcpAcceptFunc        accept,
                                           gpointer               user_data,
                                           GError               **error);
/* As wb_tcp_listen; @destroy (if not NULL) frees @user_data when the port
 * stops listening: wb_tcp_unlisten() or the end of the guest's stack. */
gboolean      wb_tcp_listen_full          (WbGuest               *guest,
                                           guint16                port,
                                           WbTcpAcceptFunc        accept,
                                           gpointer               user_data,
                                           GDestroyNotify         destroy,
                                           GError               **error);
void          wb_tcp_unlisten             (WbGuest               *guest,
                                           guint16                port);
/* Starts the handshake; "connected" or "closed" follows. NULL with @error
 * when no route leads to @address. */
WbTcpSocket  *wb_tcp_connect              (WbGuest               *guest,
                                           guint32                address,
                                           guint16                port,
                                           const WbTcpCallbacks  *callbacks,
                                           gpointer               user_data,
                                           GError               **error);
void          wb_tcp_socket_set_callbacks (WbTcpSocket           *socket,
                                           const WbTcpCallbacks  *callbacks,
                                           gpointer               user_data);
/* Copies as much of @data as the send buffer takes and returns that count;
 * "writable" follows when there is room again. */
gsize         wb_tcp_send                 (WbTcpSocket           *socket,
                                           const guint8          *data,
                                           gsize                  len);
gsize         wb_tcp_get_send_space       (WbTcpSocket           *socket);
/* Sends FIN after the queued data (orderly close of our side). */
void          wb_tcp_shutdown             (WbTcpSocket           *socket);
/* Sends RST and frees the socket at once; no callback follows. */
void          wb_tcp_abort                (WbTcpSocket           *socket);
void          wb_tcp_get_local            (WbTcpSocket           *socket,
                                           guint32               *address,
                                           guint16               *port);
void          wb_tcp_get_remote           (WbTcpSocket           *socket,
                                           guint32               *address,
                                           guint16               *port);

G_END_DECLS

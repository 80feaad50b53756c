/* Internal: the raw frame guard (see ws_guard.c for why it exists). */
#ifndef PARLEY_WS_GUARD_H
#define PARLEY_WS_GUARD_H

/* The upgrade on fd was accepted: judge every client frame from now on.
 * Returns -1 if frames that came with the request already break the rules. */
int ws_guard_arm(int fd);
/* fd is serving plain HTTP: stop watching it. */
void ws_guard_off(int fd);
/* 1 when fd's connection was failed by the guard. */
int ws_guard_failed(int fd);
void ws_guard_free(void);

#endif

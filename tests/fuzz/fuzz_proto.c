/* libFuzzer: any bytes as a WebSocket frame. The decoder must refuse or accept
 * without crashing or leaking, and everything it accepts must re-encode. */
#include <stdint.h>
#include <stddef.h>
#include "parley/proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct proto_cmd cmd;
    const char *code = NULL;
    char msg[160];
    if (proto_decode((const char *)data, size, &cmd, &code, msg, sizeof(msg)) == PL_OK &&
        cmd.type == P_MESSAGE) {
        struct store_message m = {.conversation = "c_fuzz", .seq = 1, .role = "visitor",
                                  .client_id = (char *)cmd.id, .text = (char *)cmd.text,
                                  .helpful = -1};
        frame_unref(proto_message(&m, VIEW_VISITOR));
        frame_unref(proto_error(cmd.id, "bad_request", cmd.text));
    }
    proto_cmd_free(&cmd);
    return 0;
}

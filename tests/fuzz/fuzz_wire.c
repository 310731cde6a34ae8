/* fuzz_wire.c - the msgpack wire decoders (batches from Redis, node lists
 * from Redis): any input decodes or is rejected, and whatever decodes
 * re-encodes to something that decodes to the same counts. */
#include "fuzz.h"
#include "wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    wire_batch b;
    node_list nl;
    buf_t out;
    buf_init(&out, 0);
    if (wire_batch_decode((const char *)data, size, &b) == 0) {
        wire_batch again;
        if (wire_batch_encode(&b, &out) || wire_batch_decode(out.p, out.len, &again) ||
            again.n != b.n)
            __builtin_trap();
        wire_batch_free(&again);
        wire_batch_free(&b);
    }
    buf_reset(&out);
    if (wire_nodes_decode((const char *)data, size, &nl) == 0) {
        node_list again;
        if (wire_nodes_encode(nl.v, nl.n, &out) || wire_nodes_decode(out.p, out.len, &again) ||
            again.n != nl.n)
            __builtin_trap();
        node_list_free(&again);
        node_list_free(&nl);
    }
    buf_free(&out);
    return 0;
}

#!/usr/bin/env python3
"""Reference speed of the RWKV world tokenizer in pure Python.

Our own re-implementation of the algorithm of BlinkDL's TRIE_TOKENIZER
(ChatRWKV / RWKV-LM rwkv_tokenizer.py): a byte trie whose nodes hold a
256-slot child list and a set of token ids; encoding walks the trie from each
position and takes the longest prefix that ends on a node with a value
(greedy longest match). The data structure is the same shape as BlinkDL's, so
the speed is representative of it.

    python3 bench/ref_tokenizer.py <vocab> <text file>

Prints the token count and the same FNV-1a hash of the ids as bench-tokenizer,
so the two can be compared on one text (bench-tokenizer <vocab> --dump <file>).
"""
import ast
import statistics
import sys
import time


class Node:
    __slots__ = ("to", "values")

    def __init__(self):
        self.to = [None] * 256
        self.values = set()


class TrieTokenizer:
    def __init__(self, path):
        self.id2bytes = {}
        self.root = Node()
        with open(path, "r", encoding="utf-8") as f:
            for line in f:
                first, last = line.index(" "), line.rindex(" ")
                idx = int(line[:first])
                tok = ast.literal_eval(line[first + 1:last])
                if isinstance(tok, str):
                    tok = tok.encode("utf-8")
                assert len(tok) == int(line[last + 1:])
                self.id2bytes[idx] = tok
                node = self.root
                for b in tok:
                    nxt = node.to[b]
                    if nxt is None:
                        nxt = node.to[b] = Node()
                    node = nxt
                node.values.add(idx)

    def encode_bytes(self, src):
        out = []
        pos, n = 0, len(src)
        root = self.root
        while pos < n:
            node, i = root, pos
            end, vals = pos, None
            while i < n:
                node = node.to[src[i]]
                if node is None:
                    break
                i += 1
                if node.values:
                    end, vals = i, node.values
            if vals is None:
                raise ValueError("byte 0x%02x at offset %d has no token" % (src[pos], pos))
            out.append(next(iter(vals)))
            pos = end
        return out

    def decode_bytes(self, ids):
        return b"".join(self.id2bytes[i] for i in ids)


def fnv_ids(ids):
    h = 2166136261
    for v in ids:
        for k in range(4):
            h ^= (v >> (8 * k)) & 0xFF
            h = (h * 16777619) & 0xFFFFFFFF
    return h


def main():
    if len(sys.argv) != 3:
        print(__doc__)
        return 2
    t0 = time.perf_counter()
    tok = TrieTokenizer(sys.argv[1])
    load = time.perf_counter() - t0
    data = open(sys.argv[2], "rb").read()
    times, cpu = [], []
    for _ in range(5):
        t0, c0 = time.perf_counter(), time.thread_time()
        ids = tok.encode_bytes(data)
        times.append(time.perf_counter() - t0)
        cpu.append(time.thread_time() - c0)
    chunk = 4096
    per = []
    for _ in range(3):
        t0 = time.perf_counter()
        for a in range(0, len(data), chunk):
            tok.encode_bytes(data[a:a + chunk])
        per.append((time.perf_counter() - t0) / max(1, (len(data) + chunk - 1) // chunk))
    ok = tok.decode_bytes(ids) == data
    print("text: %d bytes, %d tokens, ids fnv1a %08x, round trip %s"
          % (len(data), len(ids), fnv_ids(ids), "ok" if ok else "FAILED"))
    print("vocab load: %.1f ms" % (load * 1e3))
    mb = len(data) / 1e6
    print("encode: %.2f MB/s wall, %.2f MB/s thread CPU time (median of %d)"
          % (mb / statistics.median(times), mb / statistics.median(cpu), len(times)))
    print("encode per 4 KB email: %.1f us (median of %d)" % (statistics.median(per) * 1e6, len(per)))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

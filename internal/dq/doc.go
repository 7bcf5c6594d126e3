// Package dq is a durable FIFO of records for an output action: what
// rsyslog calls a disk (or disk-assisted) action queue. A record is
// written to an append-only segment file before it is handed to the
// output, and it leaves the queue only when the output acknowledged it,
// so the queue survives a crash of the process (kill -9) and, with Sync,
// of the machine.
//
// # Files
//
// A queue named N in directory D is:
//
//   - D/N.<first-seq, 16 hex digits>.seg: segments of records, appended
//     to; a new one starts when the current one exceeds SegmentSize. A
//     segment whose records are all acknowledged is deleted.
//   - D/N.ckpt: the checkpoint, the lowest sequence not yet acknowledged
//     (8 bytes) and its CRC-32C (4 bytes), rewritten every
//     CheckpointEvery and at Close.
//   - D/N.id: 8 random bytes made when the queue is created; with a
//     record's sequence it names the record uniquely (ID), across
//     restarts and replays.
//
// A record is a 16-byte header (payload length and CRC-32C of the
// sequence and payload, little endian u32 each, then the sequence, u64)
// and the payload. At Open the last segment is read through: a record cut
// by a crash (short, or its CRC wrong) ends it and the file is truncated
// there.
//
// # Delivery
//
// Reading (Next) starts at the checkpoint: records acknowledged after the
// last checkpoint are delivered again after a crash (at least once; the
// ID lets a consumer drop the duplicates). Acknowledgements may come out
// of order (Kafka partitions); the checkpoint advances over the
// contiguous acknowledged prefix. At most MaxInflight records are
// delivered and not yet acknowledged.
//
// # Durability and its cost
//
// Append writes a batch with one write(2): once it returns, the records
// survive the death of the process (they are in the kernel's page cache).
// With Sync (rsyslog's queue.syncqueuefiles="on") Append also calls
// fsync, and the records survive a power loss; BenchmarkAppend measures
// both. With Dir empty the queue is in memory only (rsyslog's LinkedList
// and FixedArray queues): the same semantics without durability.
package dq

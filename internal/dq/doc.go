// Package dq is an append-only, acknowledged disk queue: the journal behind
// syslogd's action queues (queue.type="Disk", or a memory queue with
// queue.filename set).
//
// A record is appended to the current segment file before it is handed to
// the consumer (the produce to Kafka, the forward over TCP); the consumer
// acknowledges it once the remote side acknowledged it; a segment is
// deleted once every record in it is acknowledged. The acknowledged low
// watermark (every id below it is acknowledged) is checkpointed to a small
// file; on Open every record at or above the checkpoint is read again, so a
// record acknowledged after the last checkpoint may be delivered twice
// (at least once; each record keeps its id across restarts so a consumer
// can drop the duplicate) and none is lost.
//
// Read does not read back what it can take from memory: each Commit's
// buffer is kept (up to 16 MiB) and the records Read returns point into
// it, so a consumer that keeps up costs one allocation per Commit and no
// read(2). A consumer that is behind by more (the remote side is down), or
// restarted, or rewound, reads the segment files. Acknowledgements are a
// bitmap above the low watermark (AckSet): no allocation or hashing per
// record, in whatever order they come.
//
// # Record format
//
// Segment files are named by the id of their first record (16 hex digits,
// ".seg"). A record is: payload length (uint32, little endian), CRC-32C of
// id and payload (uint32), id (uint64), payload. On Open the last segment
// is scanned and cut at the first short or corrupt record (a write torn by
// kill -9 or a crash).
//
// # Durability and the fsync policy
//
// Commit writes the appended records with one write(2). Once written, a
// record survives the death of the process (kill -9): it is in the page
// cache. To survive a power loss or kernel crash too, the segment must be
// fsynced: Options.Sync selects SyncEveryCommit (fsync in every Commit,
// rsyslog's queue.syncQueueFiles="on"), SyncInterval (fsync at most every
// Options.SyncEvery by a background goroutine: up to that much may be lost
// in a power loss) or SyncNone (leave it to the kernel, rsyslog's default).
// The checkpoint file is rewritten (write to a temporary file, fsynced
// unless SyncNone, rename) by the background goroutine, every
// Options.SyncEvery once Options.CheckpointEvery acknowledgements were
// made since the last (rsyslog's queue.checkpointInterval), and on Close;
// Ack itself does no I/O. BenchmarkAppendCommit measures the
// cost of each policy.
package dq

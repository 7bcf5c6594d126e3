package rotate

import (
	"fmt"
	"log/slog"
	"os"
	"strings"
	"time"
)

// Period is the calendar period of time-based rotation.
type Period int

// Periods. Boundaries are local calendar instants in Options.Location
// (midnight, the top of the hour, ...), computed with calendar arithmetic so
// that days of 23 or 25 hours (DST) are handled.
const (
	None    Period = iota // no time-based rotation
	Hourly                // at the top of every local hour
	Daily                 // at local midnight
	Weekly                // at local midnight starting Options.Weekday (logrotate default: Sunday)
	Monthly               // at local midnight on the first day of the month
	Yearly                // at local midnight on January 1st
)

var periodNames = [...]string{"none", "hourly", "daily", "weekly", "monthly", "yearly"}

// String returns the logrotate keyword of p ("daily", ...), or "none".
func (p Period) String() string {
	if p < 0 || int(p) >= len(periodNames) {
		return fmt.Sprintf("Period(%d)", int(p))
	}
	return periodNames[p]
}

// ParsePeriod parses "none", "hourly", "daily", "weekly", "monthly" or "yearly".
func ParsePeriod(s string) (Period, error) {
	for i, n := range periodNames {
		if strings.EqualFold(s, n) {
			return Period(i), nil
		}
	}
	return None, fmt.Errorf("unknown rotation period %q", s)
}

// Codec is the compression applied to backups.
type Codec int

// Codecs. The zero value means "unset": New treats it as NoCompression, so a
// zero Options never compresses (as logrotate without `compress`).
const (
	Unset         Codec = iota // not set: no compression
	NoCompression              // backups stay plain files
	Gzip                       // .gz, klauspost/compress gzip (readable by zcat, zless, gzip -d)
	Zstd                       // .zst, klauspost/compress zstd (readable by zstd -d, zstdcat)
)

var codecNames = [...]string{"", "none", "gzip", "zstd"}

// String returns "gzip", "zstd", "none", or "" for Unset.
func (c Codec) String() string {
	if c < 0 || int(c) >= len(codecNames) {
		return fmt.Sprintf("Codec(%d)", int(c))
	}
	return codecNames[c]
}

// Ext returns the file name extension of c (".gz", ".zst") or "".
func (c Codec) Ext() string {
	switch c {
	case Gzip:
		return ".gz"
	case Zstd:
		return ".zst"
	}
	return ""
}

// ParseCodec parses "gzip" (or "gz"), "zstd" (or "zst") and "none".
func ParseCodec(s string) (Codec, error) {
	switch strings.ToLower(s) {
	case "gzip", "gz":
		return Gzip, nil
	case "zstd", "zst":
		return Zstd, nil
	case "none", "":
		return NoCompression, nil
	}
	return Unset, fmt.Errorf("unknown compression %q (want gzip, zstd or none)", s)
}

// Options configures a Writer. The zero value is valid: a file that is never
// rotated, written in batches flushed every 200ms, mode 0644.
type Options struct {
	// MaxSize rotates the file before a write would make it larger than
	// MaxSize bytes (logrotate `maxsize`/`size`). Rotation happens between
	// lines, so a line is never split; a single line larger than MaxSize gets
	// a file of its own. 0 disables size rotation.
	MaxSize int64

	// Every rotates at each calendar boundary of the period (Daily: local
	// midnight). None disables time rotation.
	Every Period

	// Weekday is the first day of the week for Weekly (zero: Sunday, as logrotate).
	Weekday time.Weekday

	// MinSize skips a time-based rotation while the file is smaller than
	// MinSize bytes (logrotate `minsize`). 0: no minimum.
	MinSize int64

	// Keep is the number of backups kept (logrotate `rotate N`); older ones
	// are removed after each rotation. 0 keeps every backup (no count limit);
	// a negative value keeps none: backups are deleted at rotation (logrotate
	// `rotate 0`).
	Keep int

	// MaxAge removes backups whose modification time is older than MaxAge
	// (logrotate `maxage`). 0: no age limit.
	MaxAge time.Duration

	// Compress is the codec for backups. Unset and NoCompression: none.
	Compress Codec

	// Level is the codec level. 0 means the default: 5 for gzip (1-9, as
	// gzip -N; 5 is 3.5-4 times faster than the gzip -6 command for a 6%
	// larger file on HAProxy logs, 6 gives 3% more than gzip -6 at 3 times
	// its speed), 1 for zstd (1-22, mapped to the nearest klauspost level:
	// 1 fastest, 2-4 default, 5-8 better, 9+ best).
	Level int

	// CompressConcurrency is the number of goroutines that compress one
	// backup, each taking a block of the file in turn (1 MiB for gzip,
	// 4 MiB for zstd), as pigz and zstd -T do. The output does not depend on
	// it: the same backup compresses to the same bytes with 1 or 8 workers.
	// 0 means half of GOMAXPROCS, at least 1 and at most 4, which leaves
	// cores to the writing process; 1 compresses on one core.
	CompressConcurrency int

	// DelayCompress leaves the most recent backup uncompressed until the next
	// rotation (logrotate `delaycompress`).
	DelayCompress bool

	// DateExt names backups NAME-YYYYMMDD (logrotate `dateext`) after the date
	// their content starts; a second backup for the same date gets NAME-YYYYMMDD.1,
	// then .2, ... When false, backups are numbered NAME.1 (newest), NAME.2, ...
	DateExt bool

	// DateFormat is the strftime-like suffix for DateExt (logrotate
	// `dateformat`; %Y %m %d %H %M %S %V %s are supported). "" means "-%Y%m%d",
	// or "-%Y%m%d%H" when Every is Hourly.
	DateFormat string

	// Mode is the permission of a created file (`create MODE`), applied
	// exactly (umask is not applied). 0: a file created at rotation copies the
	// mode of the file it replaces; a file created from nothing gets 0644.
	Mode os.FileMode

	// Owner and Group (user/group names or numeric ids) are applied to a
	// created file (`create MODE OWNER GROUP`). "": unchanged (the process's).
	Owner, Group string

	// NotIfEmpty skips rotation of an empty file (logrotate `notifempty`);
	// by default an empty file is rotated like any other (logrotate `ifempty`).
	NotIfEmpty bool

	// MissingOK makes a log file that vanished under the writer (deleted or
	// moved by someone else) an informational event instead of a logged
	// error. The file is re-created in both cases.
	MissingOK bool

	// FlushInterval is how often buffered lines are written out. 0 means
	// 200ms; a negative value writes every complete line at once
	// (write-through, one write syscall per Write call).
	FlushInterval time.Duration

	// BufferSize is the batch size: a batch is written as soon as this many
	// bytes are buffered. 0 means 64 KiB.
	BufferSize int

	// MaxBuffer bounds the data held in memory while the file cannot be
	// written (disk full, permission): the batch buffer and the unwritten
	// rest of a failed write together (Stats().Buffered). Write returns
	// ErrBufferFull instead of accepting more. A single Write larger than
	// MaxBuffer is accepted when nothing is held (if that write fails, its
	// rest is held). 0 means 16 MiB.
	MaxBuffer int

	// CloseWait bounds how long Close waits for the backup worker to finish
	// compressing. 0: until done; negative: not at all (an unfinished
	// compression leaves its source, which the next New compresses).
	CloseWait time.Duration

	// Scripts are logrotate scripts run at rotation (none by default).
	// With a firstaction, prerotate, postrotate or lastaction script, a
	// size or time rotation runs on the backup worker, as a sequence (see
	// the package documentation); lines go on being written meanwhile.
	Scripts Scripts

	// Now is the clock. nil means time.Now.
	Now func() time.Time

	// Location is the time zone of period boundaries and backup dates.
	// nil means time.Local.
	Location *time.Location

	// Logger receives rotation events and background errors. nil discards.
	Logger *slog.Logger

	// retryDelay is the first delay before the backup worker retries after
	// a failure (tests shorten it). 0 means defaultRetryDelay.
	retryDelay time.Duration
}

const (
	defaultFlushInterval = 200 * time.Millisecond
	defaultBufferSize    = 64 << 10
	defaultMaxBuffer     = 16 << 20
	defaultMode          = 0o644
)

// withDefaults returns o with zero values replaced by defaults.
func (o Options) withDefaults() Options {
	if o.FlushInterval == 0 {
		o.FlushInterval = defaultFlushInterval
	}
	if o.BufferSize <= 0 {
		o.BufferSize = defaultBufferSize
	}
	if o.MaxBuffer <= 0 {
		o.MaxBuffer = defaultMaxBuffer
	}
	if o.MaxBuffer < o.BufferSize {
		o.MaxBuffer = o.BufferSize
	}
	if o.Compress == Unset {
		o.Compress = NoCompression
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Location == nil {
		o.Location = time.Local
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.DateFormat == "" {
		o.DateFormat = "-%Y%m%d"
		if o.Every == Hourly {
			o.DateFormat = "-%Y%m%d%H"
		}
	}
	return o
}

// validate reports options that cannot work.
func (o Options) validate() error {
	switch {
	case o.MaxSize < 0:
		return fmt.Errorf("rotate: MaxSize %d is negative", o.MaxSize)
	case o.Every < None || o.Every > Yearly:
		return fmt.Errorf("rotate: unknown period %d", o.Every)
	case o.Compress < Unset || o.Compress > Zstd:
		return fmt.Errorf("rotate: unknown codec %d", o.Compress)
	case o.Weekday < time.Sunday || o.Weekday > time.Saturday:
		return fmt.Errorf("rotate: Weekday %d out of range", o.Weekday)
	case o.MaxAge < 0:
		return fmt.Errorf("rotate: MaxAge %v is negative", o.MaxAge)
	case o.CompressConcurrency < 0:
		return fmt.Errorf("rotate: CompressConcurrency %d is negative", o.CompressConcurrency)
	}
	if err := validLevel(o.Compress, o.Level); err != nil {
		return err
	}
	return validDateFormat(o.DateFormat)
}

package syslogd

import "time"

// Timestamp is a syslog timestamp as the sender wrote it: the wall-clock
// fields, the fraction with its precision and the zone offset are kept
// apart, so that a template prints "13:30:06.003Z" back as "13:30:06.003Z"
// (rsyslog does the same) and never converts zones.
type Timestamp struct {
	Year       int
	Month      time.Month
	Day        int
	Hour       int
	Minute     int
	Second     int
	Frac       int  // fraction of a second, FracDigits decimal digits
	FracDigits int  // 0 when the timestamp had no fraction
	OffsetMode byte // 'Z', '+' or '-'
	OffHour    int
	OffMinute  int
}

// timestampFromTime returns t as a Timestamp in loc with microsecond
// precision, the way rsyslog stamps a message with its reception time.
func timestampFromTime(t time.Time, loc *time.Location, fracDigits int) Timestamp {
	t = t.In(loc)
	y, mo, d := t.Date()
	h, mi, s := t.Clock()
	ts := Timestamp{Year: y, Month: mo, Day: d, Hour: h, Minute: mi, Second: s}
	if fracDigits > 0 {
		ts.FracDigits = fracDigits
		ts.Frac = t.Nanosecond() / pow10[9-fracDigits]
	}
	_, off := t.Zone()
	ts.setOffset(off)
	return ts
}

func (ts *Timestamp) setOffset(off int) {
	ts.OffsetMode = '+'
	if off < 0 {
		ts.OffsetMode = '-'
		off = -off
	}
	ts.OffHour = off / 3600
	ts.OffMinute = off % 3600 / 60
}

var pow10 = [...]int{1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000, 1000000000}

// Time returns the instant ts designates.
func (ts *Timestamp) Time() time.Time {
	off := (ts.OffHour*3600 + ts.OffMinute*60)
	if ts.OffsetMode == '-' {
		off = -off
	}
	nsec := 0
	if ts.FracDigits > 0 && ts.FracDigits <= 9 {
		nsec = ts.Frac * pow10[9-ts.FracDigits]
	}
	t := time.Date(ts.Year, ts.Month, ts.Day, ts.Hour, ts.Minute, ts.Second, nsec, time.UTC)
	return t.Add(-time.Duration(off) * time.Second)
}

var monthNames = [13]string{"", "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"}

// appendRFC3164 appends "Mmm dd hh:mm:ss" (day padded with a space).
func (ts *Timestamp) appendRFC3164(dst []byte) []byte {
	if ts.Day >= 0 && ts.Day <= 99 && uint(ts.Hour) <= 99 && uint(ts.Minute) <= 99 && uint(ts.Second) <= 99 {
		// Fixed width: fill 15 bytes, append once.
		var b [15]byte
		copy(b[:3], monthName(ts.Month))
		b[3], b[6], b[9], b[12] = ' ', ' ', ':', ':'
		b[4], b[5] = byte('0'+ts.Day/10), byte('0'+ts.Day%10)
		if ts.Day < 10 {
			b[4] = ' '
		}
		b[7], b[8] = byte('0'+ts.Hour/10), byte('0'+ts.Hour%10)
		b[10], b[11] = byte('0'+ts.Minute/10), byte('0'+ts.Minute%10)
		b[13], b[14] = byte('0'+ts.Second/10), byte('0'+ts.Second%10)
		return append(dst, b[:]...)
	}
	dst = append(dst, monthName(ts.Month)...)
	dst = append(dst, ' ')
	if ts.Day < 10 {
		dst = append(dst, ' ', byte('0'+ts.Day))
	} else {
		dst = append2(dst, ts.Day)
	}
	dst = append(dst, ' ')
	return ts.appendClock(dst)
}

func monthName(m time.Month) string {
	if m < 1 || m > 12 {
		return "???"
	}
	return monthNames[m]
}

func (ts *Timestamp) appendClock(dst []byte) []byte {
	dst = append2(dst, ts.Hour)
	dst = append(dst, ':')
	dst = append2(dst, ts.Minute)
	dst = append(dst, ':')
	return append2(dst, ts.Second)
}

func (ts *Timestamp) appendDate(dst []byte) []byte {
	dst = append4(dst, ts.Year)
	dst = append(dst, '-')
	dst = append2(dst, int(ts.Month))
	dst = append(dst, '-')
	return append2(dst, ts.Day)
}

// appendRFC3339 appends the timestamp with its own precision and offset.
func (ts *Timestamp) appendRFC3339(dst []byte) []byte {
	dst = ts.appendDate(dst)
	dst = append(dst, 'T')
	dst = ts.appendClock(dst)
	dst = ts.appendFrac(dst, true)
	return ts.appendOffset(dst)
}

func (ts *Timestamp) appendFrac(dst []byte, dot bool) []byte {
	if ts.FracDigits == 0 {
		if dot {
			return dst
		}
		return append(dst, '0')
	}
	if dot {
		dst = append(dst, '.')
	}
	return appendPadded(dst, ts.Frac, ts.FracDigits)
}

func (ts *Timestamp) appendOffset(dst []byte) []byte {
	if ts.OffsetMode == 'Z' {
		return append(dst, 'Z')
	}
	dst = append(dst, ts.OffsetMode)
	dst = append2(dst, ts.OffHour)
	dst = append(dst, ':')
	return append2(dst, ts.OffMinute)
}

// appendMySQL appends YYYYMMDDhhmmss.
func (ts *Timestamp) appendMySQL(dst []byte) []byte {
	dst = append4(dst, ts.Year)
	dst = append2(dst, int(ts.Month))
	dst = append2(dst, ts.Day)
	dst = append2(dst, ts.Hour)
	dst = append2(dst, ts.Minute)
	return append2(dst, ts.Second)
}

func append2(dst []byte, v int) []byte {
	if v < 0 || v > 99 {
		return appendInt(dst, v)
	}
	return append(dst, byte('0'+v/10), byte('0'+v%10))
}

func append4(dst []byte, v int) []byte {
	if v < 0 || v > 9999 {
		return appendInt(dst, v)
	}
	return append(dst, byte('0'+v/1000), byte('0'+v/100%10), byte('0'+v/10%10), byte('0'+v%10))
}

func appendPadded(dst []byte, v, digits int) []byte {
	var b [20]byte
	i := len(b)
	for n := 0; n < digits || v > 0; n++ {
		if i == 0 {
			break
		}
		i--
		b[i] = byte('0' + v%10)
		v /= 10
	}
	return append(dst, b[i:]...)
}

func appendInt(dst []byte, v int) []byte {
	if v < 0 {
		dst = append(dst, '-')
		v = -v
	}
	return appendPadded(dst, v, 1)
}

// parseRFC3339 reads an RFC 3339 timestamp at the start of b. It returns
// the number of bytes used; the timestamp must be followed by a space or
// the end of b.
func parseRFC3339(b []byte) (ts Timestamp, n int, ok bool) {
	var i int
	num := func(digits int) (int, bool) {
		if i+digits > len(b) {
			return 0, false
		}
		v := 0
		for k := 0; k < digits; k++ {
			c := b[i+k]
			if c < '0' || c > '9' {
				return 0, false
			}
			v = v*10 + int(c-'0')
		}
		i += digits
		return v, true
	}
	sep := func(c byte) bool {
		if i < len(b) && b[i] == c {
			i++
			return true
		}
		return false
	}
	var y, mo, d, h, mi, s int
	if y, ok = num(4); !ok || !sep('-') {
		return ts, 0, false
	}
	if mo, ok = num(2); !ok || !sep('-') {
		return ts, 0, false
	}
	if d, ok = num(2); !ok || !sep('T') {
		return ts, 0, false
	}
	if h, ok = num(2); !ok || !sep(':') {
		return ts, 0, false
	}
	if mi, ok = num(2); !ok || !sep(':') {
		return ts, 0, false
	}
	if s, ok = num(2); !ok {
		return ts, 0, false
	}
	if mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60 {
		return ts, 0, false
	}
	ts = Timestamp{Year: y, Month: time.Month(mo), Day: d, Hour: h, Minute: mi, Second: s}
	if sep('.') {
		start := i
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			if i-start < 9 {
				ts.Frac = ts.Frac*10 + int(b[i]-'0')
				ts.FracDigits++
			}
			i++
		}
		if i == start {
			return ts, 0, false
		}
	}
	if i >= len(b) {
		return ts, 0, false
	}
	switch b[i] {
	case 'Z', 'z':
		ts.OffsetMode = 'Z'
		i++
	case '+', '-':
		ts.OffsetMode = b[i]
		i++
		if ts.OffHour, ok = num(2); !ok || !sep(':') {
			return ts, 0, false
		}
		if ts.OffMinute, ok = num(2); !ok || ts.OffHour > 23 || ts.OffMinute > 59 {
			return ts, 0, false
		}
	default:
		return ts, 0, false
	}
	if i < len(b) && b[i] != ' ' {
		return ts, 0, false
	}
	return ts, i, true
}

// parseRFC3164 reads "Mmm dd hh:mm:ss" at the start of b (the day may be
// padded with a space). The timestamp must be followed by a space or the end
// of b. The year is set only when the sender wrote one.
func parseRFC3164(b []byte) (ts Timestamp, n int, ok bool) {
	if len(b) < 14 {
		return ts, 0, false
	}
	mo := parseMonth(b[0], b[1], b[2])
	if mo == 0 || b[3] != ' ' {
		return ts, 0, false
	}
	i := 4
	if b[i] == ' ' {
		i++
	}
	d, i, ok := digits12(b, i)
	if !ok || i >= len(b) || b[i] != ' ' {
		return ts, 0, false
	}
	i++
	year := 0
	// rsyslog also accepts a year before the time ("Nov 21 2026 13:30:00").
	if i+5 <= len(b) && isDigits(b[i:i+4]) && b[i+4] == ' ' {
		year = int(b[i]-'0')*1000 + int(b[i+1]-'0')*100 + int(b[i+2]-'0')*10 + int(b[i+3]-'0')
		i += 5
	}
	h, i, ok := digits12(b, i)
	if !ok || i >= len(b) || b[i] != ':' {
		return ts, 0, false
	}
	mi, i, ok := digits12(b, i+1)
	if !ok || i >= len(b) || b[i] != ':' {
		return ts, 0, false
	}
	s, i, ok := digits12(b, i+1)
	if !ok || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60 {
		return ts, 0, false
	}
	ts = Timestamp{Year: year, Month: mo, Day: d, Hour: h, Minute: mi, Second: s}
	// ... and fractional seconds.
	if i+1 < len(b) && b[i] == '.' && b[i+1] >= '0' && b[i+1] <= '9' {
		i++
		for ; i < len(b) && b[i] >= '0' && b[i] <= '9'; i++ {
			if ts.FracDigits < 9 {
				ts.Frac = ts.Frac*10 + int(b[i]-'0')
				ts.FracDigits++
			}
		}
	}
	if i < len(b) && b[i] != ' ' {
		return ts, 0, false
	}
	return ts, i, true
}

func isDigits(b []byte) bool {
	for _, c := range b {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

func digits12(b []byte, i int) (v, next int, ok bool) {
	start := i
	for i < len(b) && i-start < 2 && b[i] >= '0' && b[i] <= '9' {
		v = v*10 + int(b[i]-'0')
		i++
	}
	return v, i, i > start
}

func parseMonth(a, b, c byte) time.Month {
	a, b, c = a|0x20, b|0x20, c|0x20
	for m := 1; m <= 12; m++ {
		n := monthNames[m]
		if a == n[0]|0x20 && b == n[1] && c == n[2] {
			return time.Month(m)
		}
	}
	return 0
}

// inferYear picks the year of a year-less RFC 3164 timestamp received at
// now (in the parser's zone): the year of the reception time, whatever the
// month, as rsyslogd 8.2302 does (it fills in the fields the timestamp
// lacks from the reception time). So a "Dec 31 23:59:59" received on
// January 1st is dated in the new year, and a "Jan 1" received on
// December 31st in the year ending. TestYearMatchesRsyslogd compares it
// with rsyslogd run under faketime at the turn of the year and mid-year.
func inferYear(_ time.Month, now time.Time) int {
	return now.Year()
}

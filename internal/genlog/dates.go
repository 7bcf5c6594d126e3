package genlog

var monthNames = [12]string{"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"}

// civil converts days since 1970-01-01 to a proleptic Gregorian date
// (Howard Hinnant's days_from_civil inverse).
func civil(days int64) (year int64, month, day int) {
	z := days + 719468
	era := floorDiv(z, 146097)
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	year = yoe + era*400
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	day = int(doy - (153*mp+2)/5 + 1)
	if mp < 10 {
		month = int(mp + 3)
	} else {
		month = int(mp - 9)
	}
	if month <= 2 {
		year++
	}
	return year, month, day
}

// clock splits a Unix second (already shifted to local time) into its parts.
func clock(local int64) (year int64, month, day, hh, mm, ss int) {
	days := floorDiv(local, 86400)
	rem := int(local - days*86400)
	year, month, day = civil(days)
	return year, month, day, rem / 3600, rem / 60 % 60, rem % 60
}

func put2(b []byte, v int) { b[0], b[1] = byte('0'+v/10), byte('0'+v%10) }

// renderAcceptDate fills g.accDate with "dd/Mon/yyyy:HH:MM:SS" (HAProxy %t
// without milliseconds) for the UTC second sec.
func (g *Generator) renderAcceptDate(sec int64) {
	y, mo, d, hh, mm, ss := clock(sec + g.offSec)
	b := g.accDate[:]
	put2(b[0:], d)
	b[2] = '/'
	copy(b[3:6], monthNames[mo-1])
	b[6] = '/'
	put2(b[7:], int(y/100))
	put2(b[9:], int(y%100))
	b[11] = ':'
	putHMS(b[12:], hh, mm, ss)
}

// putHMS writes "hh:mm:ss" at the start of b.
func putHMS(b []byte, hh, mm, ss int) {
	put2(b[0:], hh)
	b[2] = ':'
	put2(b[3:], mm)
	b[5] = ':'
	put2(b[6:], ss)
}

// appendPrefixDate appends the syslog timestamp of the prefix style.
func (g *Generator) appendPrefixDate(dst []byte, sec int64) []byte {
	y, mo, d, hh, mm, ss := clock(sec + g.offSec)
	var b [25]byte
	if g.prefix == PrefixClassic {
		// "Nov 21 08:00:00" with the day space-padded ("Feb  6").
		copy(b[0:3], monthNames[mo-1])
		b[3] = ' '
		put2(b[4:], d)
		if d < 10 {
			b[4] = ' '
		}
		b[6] = ' '
		putHMS(b[7:], hh, mm, ss)
		return append(dst, b[:15]...)
	}
	// "2026-11-21T08:00:00+00:00"
	put2(b[0:], int(y/100))
	put2(b[2:], int(y%100))
	b[4] = '-'
	put2(b[5:], mo)
	b[7] = '-'
	put2(b[8:], d)
	b[10] = 'T'
	putHMS(b[11:], hh, mm, ss)
	off := g.offSec / 60
	b[19] = '+'
	if off < 0 {
		b[19] = '-'
		off = -off
	}
	put2(b[20:], int(off/60))
	b[22] = ':'
	put2(b[23:], int(off%60))
	return append(dst, b[:25]...)
}

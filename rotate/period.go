package rotate

import "time"

// periodKey identifies the calendar period containing t (in t's location):
// two instants are in the same period iff their keys are equal.
func periodKey(p Period, wd time.Weekday, t time.Time) [4]int {
	y, m, d := t.Date()
	switch p {
	case Hourly: // the offset tells apart the two 01:00-02:00 of a DST fall-back
		_, off := t.Zone()
		return [4]int{y, int(m)*100 + d, t.Hour(), off}
	case Daily:
		return [4]int{y, int(m), d, 0}
	case Weekly:
		// the date of the start of the week containing t
		back := (int(t.Weekday()) - int(wd) + 7) % 7
		s := time.Date(y, m, d-back, 12, 0, 0, 0, t.Location())
		sy, sm, sd := s.Date()
		return [4]int{sy, int(sm), sd, 0}
	case Monthly:
		return [4]int{y, int(m), 1, 0}
	case Yearly:
		return [4]int{y, 1, 1, 0}
	}
	return [4]int{}
}

// nextBoundary returns the first instant after t (in loc) that belongs to a
// later period than t. It uses calendar arithmetic, never fixed durations, so
// 23- and 25-hour days are handled; when local midnight does not exist (DST
// starting at 00:00), the boundary is the first existing instant of the new
// day. It returns the zero time for None.
func nextBoundary(p Period, wd time.Weekday, t time.Time, loc *time.Location) time.Time {
	if p == None {
		return time.Time{}
	}
	t = t.In(loc)
	y, m, d := t.Date()
	var c time.Time
	switch p {
	case Hourly:
		_, min, sec := t.Clock()
		c = t.Add(time.Hour - time.Duration(min)*time.Minute - time.Duration(sec)*time.Second - time.Duration(t.Nanosecond()))
		return c
	case Daily:
		c = time.Date(y, m, d+1, 0, 0, 0, 0, loc)
	case Weekly:
		ahead := (int(wd) - int(t.Weekday()) + 7) % 7
		if ahead == 0 {
			ahead = 7
		}
		c = time.Date(y, m, d+ahead, 0, 0, 0, 0, loc)
	case Monthly:
		c = time.Date(y, m+1, 1, 0, 0, 0, 0, loc)
	case Yearly:
		c = time.Date(y+1, 1, 1, 0, 0, 0, 0, loc)
	}
	return firstOfPeriod(p, wd, t, c)
}

// firstOfPeriod moves the candidate c (a local midnight that may not exist
// and may have been normalised into the previous period) to the first instant
// whose period key differs from t's.
func firstOfPeriod(p Period, wd time.Weekday, t, c time.Time) time.Time {
	k := periodKey(p, wd, t)
	// a normalised non-existent midnight can land up to an hour early or late
	for range 4 {
		if c.After(t) && periodKey(p, wd, c) != k {
			break
		}
		c = c.Add(30 * time.Minute)
	}
	// step back while the instant before is still in the new period
	for range 4 {
		prev := c.Add(-30 * time.Minute)
		if !prev.After(t) || periodKey(p, wd, prev) == k {
			break
		}
		c = prev
	}
	return c
}

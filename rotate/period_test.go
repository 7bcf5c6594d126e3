package rotate

import (
	"testing"
	"time"
	_ "time/tzdata" // zone data for the DST cases, independent of the host
)

func TestNextBoundary(t *testing.T) {
	load := func(name string) *time.Location {
		loc, err := time.LoadLocation(name)
		if err != nil {
			t.Fatal(err)
		}
		return loc
	}
	paris, santiago, kolkata := load("Europe/Paris"), load("America/Santiago"), load("Asia/Kolkata")
	utc := time.UTC
	f := func(p Period, wd time.Weekday, loc *time.Location, from, want string) {
		t.Helper()
		ft, err := time.Parse(time.RFC3339, from)
		if err != nil {
			t.Fatal(err)
		}
		wt, err := time.Parse(time.RFC3339, want)
		if err != nil {
			t.Fatal(err)
		}
		got := nextBoundary(p, wd, ft, loc)
		if !got.Equal(wt) {
			t.Errorf("%v from %s in %s: got %s, want %s", p, from, loc, got.UTC().Format(time.RFC3339), wt.UTC().Format(time.RFC3339))
		}
	}
	// Paris, spring forward (23h day) and fall back (25h day)
	f(Daily, 0, paris, "2026-03-28T12:00:00+01:00", "2026-03-29T00:00:00+01:00")
	f(Daily, 0, paris, "2026-03-29T12:00:00+02:00", "2026-03-30T00:00:00+02:00")
	f(Daily, 0, paris, "2026-10-25T23:59:59+01:00", "2026-10-26T00:00:00+01:00")
	f(Daily, 0, paris, "2026-10-25T00:00:00+02:00", "2026-10-26T00:00:00+01:00")
	f(Hourly, 0, paris, "2026-03-29T01:30:00+01:00", "2026-03-29T01:00:00Z")
	f(Hourly, 0, paris, "2026-10-25T02:30:00+02:00", "2026-10-25T01:00:00Z")
	f(Hourly, 0, paris, "2026-10-25T02:30:00+01:00", "2026-10-25T02:00:00Z")
	// Santiago: DST starts at midnight (00:00 does not exist), ends at midnight (23:00-24:00 twice)
	f(Daily, 0, santiago, "2026-09-05T12:00:00-04:00", "2026-09-06T04:00:00Z")
	f(Daily, 0, santiago, "2026-04-04T12:00:00-03:00", "2026-04-05T04:00:00Z")
	f(Daily, 0, santiago, "2026-04-04T23:30:00-04:00", "2026-04-05T04:00:00Z")
	// half-hour zone
	f(Hourly, 0, kolkata, "2026-11-21T10:10:00+05:30", "2026-11-21T05:30:00Z")
	f(Daily, 0, kolkata, "2026-11-21T23:59:59.999+05:30", "2026-11-21T18:30:00Z")
	// exactly on a boundary: the next one
	f(Daily, 0, utc, "2026-11-22T00:00:00Z", "2026-11-23T00:00:00Z")
	f(Hourly, 0, utc, "2026-11-22T05:00:00Z", "2026-11-22T06:00:00Z")
	f(Weekly, time.Sunday, utc, "2026-11-22T00:00:00Z", "2026-11-29T00:00:00Z") // 2026-11-22 is a Sunday
	f(Weekly, time.Monday, utc, "2026-11-25T10:00:00Z", "2026-11-30T00:00:00Z")
	f(Weekly, time.Sunday, utc, "2026-11-28T23:59:00Z", "2026-11-29T00:00:00Z")
	f(Monthly, 0, utc, "2026-12-15T10:00:00Z", "2027-01-01T00:00:00Z")
	f(Monthly, 0, paris, "2026-03-01T00:00:00+01:00", "2026-04-01T00:00:00+02:00")
	f(Yearly, 0, utc, "2026-11-21T10:00:00Z", "2027-01-01T00:00:00Z")
	if !nextBoundary(None, 0, time.Now(), utc).IsZero() {
		t.Error("None must have no boundary")
	}
}

// TestBoundaryWalk checks over two years in several zones that each boundary
// is in a new period and that the instant just before it is not.
func TestBoundaryWalk(t *testing.T) {
	for _, name := range []string{"Europe/Paris", "America/Santiago", "Australia/Lord_Howe", "Asia/Kolkata", "UTC"} {
		loc, err := time.LoadLocation(name)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range []Period{Hourly, Daily, Weekly, Monthly} {
			tt := time.Date(2026, 1, 1, 0, 0, 0, 0, loc)
			end := tt.AddDate(2, 0, 0)
			if p == Hourly {
				end = tt.AddDate(0, 0, 400)
			}
			for n := 0; tt.Before(end); n++ {
				nb := nextBoundary(p, time.Monday, tt, loc)
				if !nb.After(tt) {
					t.Fatalf("%s %v: boundary %v not after %v", name, p, nb, tt)
				}
				k0 := periodKey(p, time.Monday, tt)
				if periodKey(p, time.Monday, nb) == k0 {
					t.Fatalf("%s %v: %v is in the same period as %v", name, p, nb, tt)
				}
				if before := nb.Add(-time.Second); periodKey(p, time.Monday, before) != k0 {
					t.Fatalf("%s %v: boundary %v too late: %v already in a new period", name, p, nb, before)
				}
				tt = nb
			}
		}
	}
}

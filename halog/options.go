package halog

import (
	"errors"
	"strings"
	"time"
)

// Usage is the usage block halog prints after a command-line error (to
// stderr) and before the long help (to stdout).
const Usage = "Usage:\n" +
	"  halog [-h|--help] for long help\n" +
	"  halog [input_filters]* [modifiers]* [output_format] < log\n" +
	"    inp = [-e|-E] [-H] [-Q|-QS] [-rt|-RT <time>] [-ad <delay>] [-ac <count>]\n" +
	"          [-hs|-HS [min][:[max]]] [-tcn|-TCN <termcode>] [-time [min][:[max]]]\n" +
	"    mod = [-q] [-v] [-m <lines>] [-s <skipflds>] [-query]\n" +
	"    out = {-c|-u|-uc|-ue|-ua|-ut|-uao|-uto|-uba|-ubt|-hdr <block>:<field>|\n" +
	"           -cc|-gt|-pct|-st|-tc|-srv|-ic}\n" +
	"\n"

// Help is the long help printed after Usage by -h and --help.
const Help = "Input filters - several filters may be combined\n" +
	" -H                      only match lines containing HTTP logs (ignore TCP)\n" +
	" -E                      only match lines without any error (no 5xx status)\n" +
	" -e                      only match lines with errors (status 5xx or negative)\n" +
	" -rt|-RT <time>          only match response times larger|smaller than <time>\n" +
	" -Q|-QS                  only match queued requests (any queue|server queue)\n" +
	" -tcn|-TCN <code>        only match requests with/without termination code <code>\n" +
	" -hs|-HS <[min][:][max]> only match requests with HTTP status codes within/not\n" +
	"                         within min..max. Any of them may be omitted. Exact\n" +
	"                         code is checked for if no ':' is specified.\n" +
	" -time <[min][:max]>     only match requests recorded between timestamps.\n" +
	"                         Any of them may be omitted.\n" +
	"Modifiers\n" +
	" -v                      invert the input filtering condition\n" +
	" -q                      don't report errors/warnings\n" +
	" -m <lines>              limit output to the first <lines> lines\n" +
	" -s <skip_n_fields>      skip n fields from the beginning of a line (default 5)\n" +
	"                         you can also use -n to start from earlier then field 5\n" +
	" -query                  preserve the query string for per-URL (-u*) statistics\n" +
	"\n" +
	"Output format - only one may be used at a time\n" +
	" -c    only report the number of lines that would have been printed\n" +
	" -pct  output connect and response times percentiles\n" +
	" -st   output number of requests per HTTP status code\n" +
	" -cc   output number of requests per cookie code (2 chars)\n" +
	" -tc   output number of requests per termination code (2 chars)\n" +
	" -srv  output statistics per server (time, requests, errors)\n" +
	" -ic   output statistics per ip count (time, requests, errors)\n" +
	" -u*   output statistics per URL (time, requests, errors)\n" +
	"       Additional characters indicate the output sorting key :\n" +
	"       -u : by URL, -uc : request count, -ue : error count\n" +
	"       -ua : average response time, -ut : average total time\n" +
	"       -uao, -uto: average times computed on valid ('OK') requests\n" +
	"       -uba, -ubt: average bytes returned, total bytes returned\n" +
	" -hdr  output captured header at the given <block>:<field>\n"

// ErrHelp is returned by Parse when -h or --help was reached: the caller
// prints Usage and Help to stdout and exits with status 0.
var ErrHelp = errors.New("halog: help requested")

// UsageError is returned by Parse for a command-line error. halog prints
// Msg followed by Usage to stderr and exits with status 1.
type UsageError struct {
	Msg string // the message, ending in "\n"
}

func (e *UsageError) Error() string { return strings.TrimSuffix(e.Msg, "\n") }

// URL sort keys, in the order halog picks them when several are given.
const (
	URLCount  = 1 << iota // -uc: request count
	URLErr                // -ue: error count
	URLTTot               // -ut: total time
	URLTAvg               // -ua: average time
	URLTTotOK             // -uto: total time of valid requests
	URLTAvgOK             // -uao: average time of valid requests
	URLBAvg               // -uba: average bytes
	URLBTot               // -ubt: total bytes
	URLByName             // -u: by URL, no re-sort
)

// urlSorts maps the -u* options to their URL* sort key.
var urlSorts = map[string]int{"-u": URLByName, "-uc": URLCount, "-ue": URLErr, "-ua": URLTAvg,
	"-ut": URLTTot, "-uao": URLTAvgOK, "-uto": URLTTotOK, "-uba": URLBAvg, "-ubt": URLBTot}

// Options is a parsed halog command line. Field comments give the flag.
// The zero value has no action; use Parse, or set Skip to 1 and MaxLines to
// -1 to get halog's defaults.
type Options struct {
	// Input filters.
	HTTPOnly         bool   // -H: lines with at least 4 timers
	Errors           bool   // -e / -E: status < 0 or 5xx
	InvertErrors     bool   // -E
	RespTime         bool   // -rt / -RT
	InvertRespTime   bool   // -RT
	RespTimeMin      int32  // the -rt / -RT argument
	Queued           bool   // -Q
	QueuedSrv        bool   // -QS
	TermCode         bool   // -tcn / -TCN
	InvertTermCode   bool   // -TCN
	TermCodeName     string // the -tcn / -TCN argument
	Status           bool   // -hs / -HS
	InvertStatus     bool   // -HS
	StatusMin        int32  // lower bound of -hs / -HS
	StatusMax        int32  // upper bound of -hs / -HS
	TimeRange        bool   // -time
	TimeMin, TimeMax uint32 // bounds of -time (epoch seconds, local time)

	// Modifiers.
	Invert   bool  // -v (toggles)
	Quiet    bool  // -q
	Query    bool  // -query
	MaxLines int32 // -m, negative: no limit
	Skip     int32 // -s, default 1

	// Outputs.
	Count      bool   // -c
	AccCount   uint32 // -ac (0 = no constraint)
	AccDelay   uint32 // -ad (0 = no constraint)
	AccHoles   bool   // -ac or -ad given
	Graph      bool   // -gt
	Percentile bool   // -pct
	StatusHist bool   // -st
	CookieHist bool   // -cc
	TermHist   bool   // -tc
	Servers    bool   // -srv
	IPCount    bool   // -ic
	URL        int    // bit set of URL* flags (-u*)
	Header     bool   // -hdr
	HdrBlock   uint32 // -hdr block
	HdrField   uint32 // -hdr field

	// Extensions (not in halog 2.6, which ignores unknown options).

	// Files are the input files, read in order ("-" is stdin); none means
	// stdin.
	Files []string
	// LogFormat is the -log-format argument: an HAProxy log-format string
	// or one of httplog, tcplog, httpslog, clf. With it (or HAProxyCfg),
	// lines are read with that format and the syslog header of each line is
	// detected (unless -s is given).
	LogFormat string
	// HAProxyCfg and Proxy (-haproxy-cfg, -proxy) take the log format from
	// an HAProxy configuration file.
	HAProxyCfg, Proxy string
	// ConfigFormat reads the log format of -haproxy-cfg (not a flag: the
	// caller supplies it, as cmd/halog does with proxy/config's reader,
	// since halog imports no other feature package).
	ConfigFormat ConfigFormatFunc
	// PctBy and PctTimer (-pct-by, -timer): per-key percentiles of a
	// timer (Ta by default).
	PctBy, PctTimer string
	// Output is "json", "table" or "csv" (-json, -table, -csv); empty
	// means halog's text.
	Output string
	// Since and Until (-since, -until) keep the lines whose accept date
	// is in [Since, Until): RFC 3339, or dd/Mon/yyyy:HH:MM:SS[.mmm] in
	// Location.
	Since, Until string
	// HTML is the file -html writes the self-contained HTML report to.
	HTML string
	// Follow (-follow) tails the file through rotations and feeds the
	// Prometheus metrics served on Metrics (-metrics ADDR).
	Follow  bool
	Metrics string
	// Kafka (-kafka BROKERS, comma-separated host:port) reads the topic
	// Topic (-topic) instead of files: from the start up to the end
	// offsets seen at startup, or, with Group (-group), from the group's
	// committed offsets, committing after the report was written.
	Kafka, Topic, Group string

	// Location is the time zone used by -time to convert accept dates to
	// epoch seconds (halog uses the local zone). nil means UTC.
	Location *time.Location
	// Workers is the number of goroutines parsing the input; 0 means
	// runtime.GOMAXPROCS(0). The output does not depend on it.
	Workers int

	action, accCountSet, accDelaySet, skipSet bool
	readSize, chunkSize                       int           // input block sizes (tests use small ones)
	kafkaTimeout                              time.Duration // bound of the brokers' first answer (0: 10s)
}

// Parse parses halog's arguments (without the program name) exactly as
// halog 2.6 does: the scan stops at the first argument that does not start
// with '-', unknown options are ignored, and numbers are read with C atol
// semantics. It returns ErrHelp for -h/--help and a *UsageError for
// command-line errors.
func Parse(args []string) (*Options, error) {
	o := &Options{MaxLines: -1, Skip: 1}
	var outFile bool
	for i := 0; i < len(args); i++ {
		a := args[i]
		if !strings.HasPrefix(a, "-") || a == "-" {
			// halog 2.6 stops here and ignores the rest; they are the
			// input files (see openInput for the compatibility rule)
			o.Files = args[i:]
			break
		}
		next := func(msg string) (string, error) {
			if i+1 >= len(args) {
				return "", &UsageError{Msg: msg + "\n"}
			}
			i++
			return args[i], nil
		}
		var err error
		var v string
		switch a {
		case "-ad":
			if v, err = next("missing option for -ad"); err == nil {
				o.AccHoles, o.action = true, true
				o.AccDelay = uint32(atol(v))
				o.accDelaySet = true
			}
		case "-ac":
			if v, err = next("missing option for -ac"); err == nil {
				o.AccHoles, o.action = true, true
				o.AccCount = uint32(atol(v))
				o.accCountSet = true
			}
		case "-rt", "-RT":
			if v, err = next("missing option for " + a); err == nil {
				o.RespTime, o.action = true, true
				if a == "-RT" {
					o.InvertRespTime = true
				}
				o.RespTimeMin = int32(atol(v))
			}
		case "-s":
			if v, err = next("missing option for -s"); err == nil {
				o.Skip = int32(atol(v))
				o.skipSet = true
			}
		case "-log-format":
			o.LogFormat, err = next("missing option for -log-format")
		case "-haproxy-cfg":
			o.HAProxyCfg, err = next("missing option for -haproxy-cfg")
		case "-pct-by":
			if o.PctBy, err = next("missing option for -pct-by"); err == nil {
				o.action = true
			}
		case "-json", "-table", "-csv":
			o.Output = a[1:]
		case "-since", "-until":
			if v, err = next("missing option for " + a); err == nil {
				o.action = true
				if a == "-since" {
					o.Since = v
				} else {
					o.Until = v
				}
			}
		case "-html":
			if o.HTML, err = next("missing option for -html"); err == nil {
				o.action = true
			}
		case "-follow":
			o.Follow, o.action = true, true
		case "-metrics":
			o.Metrics, err = next("missing option for -metrics")
		case "-kafka":
			o.Kafka, err = next("missing option for -kafka")
		case "-topic":
			o.Topic, err = next("missing option for -topic")
		case "-group":
			o.Group, err = next("missing option for -group")
		case "-timer":
			o.PctTimer, err = next("missing option for -timer")
		case "-proxy":
			o.Proxy, err = next("missing option for -proxy")
		case "-m":
			if v, err = next("missing option for -m"); err == nil {
				o.MaxLines = int32(atol(v))
			}
		case "-e":
			o.Errors, o.action = true, true
		case "-E":
			o.Errors, o.InvertErrors, o.action = true, true, true
		case "-H":
			o.HTTPOnly, o.action = true, true
		case "-Q":
			o.Queued, o.action = true, true
		case "-QS":
			o.QueuedSrv, o.action = true, true
		case "-c":
			o.Count, o.action = true, true
		case "-q":
			o.Quiet, o.action = true, true
		case "-v":
			o.Invert = !o.Invert
		case "-gt":
			o.Graph, o.action = true, true
		case "-pct":
			o.Percentile, o.action = true, true
		case "-st":
			o.StatusHist, o.action = true, true
		case "-srv":
			o.Servers, o.action = true, true
		case "-cc":
			o.CookieHist, o.action = true, true
		case "-tc":
			o.TermHist, o.action = true, true
		case "-tcn", "-TCN":
			if v, err = next("missing option for " + a); err == nil {
				o.TermCode, o.action = true, true
				if a == "-TCN" {
					o.InvertTermCode = true
				}
				o.TermCodeName = v
			}
		case "-hs", "-HS":
			if v, err = next("missing option for -hs/-HS ([min]:[max])"); err == nil {
				o.Status, o.action = true, true
				if a == "-HS" {
					o.InvertStatus = true
				}
				lo, hi, found := strings.Cut(v, ":")
				if !found {
					hi = lo
				}
				o.StatusMin, o.StatusMax = 0, 65535
				if lo != "" {
					o.StatusMin = int32(atol(lo))
				}
				if hi != "" {
					o.StatusMax = int32(atol(hi))
				}
			}
		case "-time":
			if v, err = next("missing option for -time ([min]:[max])"); err == nil {
				o.TimeRange, o.action = true, true
				o.TimeMin = uint32(atol(v))
				if _, hi, found := strings.Cut(v, ":"); found {
					o.TimeMax = uint32(atol(hi))
				} else {
					o.TimeMax = 0xFFFFFFFF
				}
			}
		case "-u", "-uc", "-ue", "-ua", "-ut", "-uao", "-uto", "-uba", "-ubt":
			o.URL |= urlSorts[a]
			o.action = true
		case "-query":
			o.Query, o.action = true, true
		case "-ic":
			o.IPCount, o.action = true, true
		case "-hdr":
			if v, err = next("missing option for -hdr (<block>:<field>)"); err == nil {
				err = o.parseHdr(v)
			}
		case "-o":
			// Undocumented leftover: checks its argument but does not
			// consume it, and never writes anything.
			if outFile {
				err = &UsageError{Msg: "Fatal: output file name already specified.\n"}
			} else if i+1 >= len(args) {
				err = &UsageError{Msg: "Fatal: missing output file name.\n"}
			}
			outFile = true
		case "-h", "--help":
			return nil, ErrHelp
		}
		if err != nil {
			return nil, err
		}
	}
	if !o.action {
		return nil, &UsageError{Msg: "No action specified.\n"}
	}
	if o.AccHoles {
		if o.accCountSet && o.AccCount == 0 {
			o.AccCount = 1
		}
		if o.accDelaySet && o.AccDelay == 0 {
			o.AccDelay = 1
		}
	}
	return o, nil
}

func (o *Options) parseHdr(v string) error {
	o.Header, o.action = true, true
	b, f, found := strings.Cut(v, ":")
	if !found {
		return &UsageError{Msg: "missing colon in -hdr (<block>:<field>)\n"}
	}
	o.HdrBlock, o.HdrField = 1, 1
	if b != "" {
		o.HdrBlock = uint32(atol(b))
	}
	if f != "" {
		o.HdrField = uint32(atol(f))
	}
	if o.HdrBlock < 1 || o.HdrField < 1 {
		return &UsageError{Msg: "block and field must be at least 1 for -hdr (<block>:<field>)\n"}
	}
	return nil
}

// atol mimics C atol (glibc strtol base 10): optional leading white space,
// optional sign, decimal digits; saturates at the int64 limits.
func atol(s string) int64 {
	i := 0
	for i < len(s) && (s[i] == ' ' || (s[i] >= '\t' && s[i] <= '\r')) {
		i++
	}
	neg := false
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		neg = s[i] == '-'
		i++
	}
	var v uint64
	over := false
	for ; i < len(s) && s[i] >= '0' && s[i] <= '9'; i++ {
		if v > (1<<63)/10 {
			over = true
			continue
		}
		v = v*10 + uint64(s[i]-'0')
		if v > 1<<63 {
			over = true
		}
	}
	switch {
	case neg && (over || v >= 1<<63):
		return -1 << 63
	case neg:
		return -int64(v)
	case over || v >= 1<<63:
		return 1<<63 - 1
	}
	return int64(v)
}

// ConfigFormatFunc returns the log format of the proxy named proxy (""
// when the configuration has only one format) in the HAProxy
// configuration at path, and the number of request and response header
// captures it declares.
type ConfigFormatFunc func(path, proxy string) (format string, reqCaptures, respCaptures int, err error)

package formats

import (
	"net/netip"
	"time"
)

// Record is everything one HAProxy traffic log line can show. A Format
// renders it (Format.Append) and parses it back (Format.Parse).
//
// Ownership: Append only reads the Record and never retains it or any of its
// strings and slices, so a proxy may fill a pooled Record with strings it
// already holds (header values, names from its configuration, the request's
// method and URI) and reuse it after Append returns; filling it allocates
// nothing. Parse stores freshly allocated strings that do not alias the line.
//
// Absent values: an empty string prints as "-" (`""` with the Q flag), a zero
// netip.AddrPort prints "-" for its address and port, and a zero TermState
// byte prints as '-'. Timers use -1 for "the event never happened" (see
// Timers).
type Record struct {
	ClientAddr   netip.AddrPort // %ci %cp: the client (source) address
	FrontendAddr netip.AddrPort // %fi %fp: the address the frontend accepted on
	BackendAddr  netip.AddrPort // %bi %bp: the local address of the server connection
	ServerAddr   netip.AddrPort // %si %sp: the server's address

	// AcceptTime is the connection accept instant (%t %T %Tl %Ts %ms).
	// Local-time variables render it in its own Location, so time.Now()
	// gives the process's local zone as HAProxy does.
	AcceptTime time.Time
	// RequestTime is the arrival of the first byte of this request (%tr
	// %trg %trl). When zero it is derived as HAProxy does: AcceptTime plus
	// Ti+Th when Ti >= 0, else AcceptTime.
	RequestTime time.Time

	Frontend    string // %f %ft: frontend name
	FrontendSSL bool   // %ft appends '~' when the listener uses SSL
	Backend     string // %b: backend name ("-" when empty)
	Server      string // %s: server or applet name; empty prints <NOSRV>

	Timers
	// LogASAP marks a line emitted by `option logasap`: %Ta %Tt %Tu and %B
	// get a '+' prefix.
	LogASAP bool

	Status   int   // %ST: HTTP status (0 or -1 when none)
	BytesOut int64 // %B: bytes sent to the client
	BytesIn  int64 // %U: bytes received from the client

	ReqCookie  string // %CC: captured request cookie
	RespCookie string // %CS: captured response cookie

	// TermState is the termination state: %ts prints the first two bytes,
	// %tsc all four (§4 of the logging spec). A zero byte prints as '-'.
	TermState [4]byte

	ActConn      int  // %ac: process-wide active connections
	FeConn       int  // %fc: frontend concurrent connections
	BeConn       int  // %bc: backend concurrent connections
	SrvConn      int  // %sc: server concurrent connections
	Retries      int  // %rc: connection retries
	Redispatched bool // %rc gets a '+' prefix after a redispatch
	SrvQueue     int  // %sq: position in the server queue
	BackendQueue int  // %bq: position in the backend queue

	// ReqHeaders and RespHeaders hold one value per `capture request
	// header` / `capture response header` line of the frontend, already
	// cut to the capture's `len`; "" for a missing header. Their length is
	// the number of captures configured: nil means none (then %hr, %hs,
	// %hrl and %hsl print nothing at all). The encoder applies HAProxy's
	// '#XX' escaping.
	ReqHeaders  []string
	RespHeaders []string

	// Method, URI and Version make up the request line (%r %HM %HU %HV %HP
	// %HQ %HPO). An empty Method means "no valid request": %r prints
	// <BADREQ>. The line is cut to RequestLineMax bytes, as
	// tune.http.logurilen does.
	Method  string
	URI     string
	Version string

	UniqueID   string // %ID: unique-id ("-" when empty)
	Hostname   string // %H: system hostname
	PID        int    // %pid
	ReqCounter uint64 // %rt: request counter
	LogCounter uint64 // %lc: frontend log counter

	SSLCipher  string // %sslc
	SSLVersion string // %sslv

	// Values for the few sample fetches the compiler accepts in %[...].
	SNI            string // %[ssl_fc_sni]
	SSL            bool   // %[ssl_fc]
	ConnErr        int    // %[fc_err]
	SSLErr         uint64 // %[ssl_fc_err] (printed with ",hex" as 16 hex digits)
	SSLClientErr   int    // %[ssl_c_err]
	SSLClientCAErr int    // %[ssl_c_ca_err]
	SSLResumed     bool   // %[ssl_fc_is_resumed]
}

// RequestLineMax is the longest request line %r (and %HM %HU %HV...) shows,
// HAProxy's default tune.http.logurilen (1024) minus its final NUL.
const RequestLineMax = 1023

// Timers holds HAProxy's timers in milliseconds; -1 means the event never
// happened (§3 of the logging spec). The proxy fills them with
// ComputeTimers; a parsed line sets only the ones it shows.
type Timers struct {
	Th int64 // %Th: handshake (TCP accept to SSL/PROXY done)
	Ti int64 // %Ti: idle time before the request
	TR int64 // %TR: time to receive the full request headers
	Tq int64 // %Tq: Th + Ti + TR
	Tw int64 // %Tw: time in queues
	Tc int64 // %Tc: server connect time
	Tr int64 // %Tr: server response headers time
	Td int64 // %Td: data transfer time
	Ta int64 // %Ta: active time, Tt minus Th and Ti
	Tt int64 // %Tt: total session time
	Tu int64 // %Tu: Tt minus Ti
}

// Marks are the instants a stream went through, in milliseconds from the
// accept instant, with -1 for an event that never happened. They mirror
// HAProxy's internal t_handshake, t_idle, t_request, t_queue, t_connect,
// t_data and t_close.
type Marks struct {
	Handshake int64 // accept to handshake done (0 for later requests)
	Idle      int64 // idle time before the first request byte; -1 if none came
	Request   int64 // end of request headers
	Queue     int64 // left the queue
	Connect   int64 // server connection established
	Data      int64 // server response headers complete (HTTP) / connect (TCP)
	Close     int64 // end of the stream
}

// ComputeTimers derives the logged timers from the marks with HAProxy's
// rules: a mark of -1 makes every interval that starts or ends on it -1,
// while Ta, Tt and Tu are never -1.
func ComputeTimers(m Marks) Timers {
	var t Timers
	t.Th = m.Handshake
	t.Ti = m.Idle
	idle := int64(0)
	if m.Idle >= 0 {
		idle = m.Idle + m.Handshake
	}
	t.Tq = m.Request
	t.TR = diff(m.Request, idle)
	if m.Idle < 0 {
		t.TR = -1
	}
	t.Tw = diff(m.Queue, m.Request)
	t.Tc = diff(m.Connect, m.Queue)
	t.Tr = diff(m.Data, m.Connect)
	t.Td = diff(m.Close, m.Data)
	t.Tt = m.Close
	t.Ta = m.Close - idle
	t.Tu = m.Close
	if m.Idle >= 0 {
		t.Tu -= m.Idle
	}
	return t
}

func diff(end, start int64) int64 {
	if end < 0 || start < 0 {
		return -1
	}
	return end - start
}

// requestTime returns RequestTime, or the value HAProxy derives from the
// accept time and the idle and handshake timers.
func (r *Record) requestTime() time.Time {
	if !r.RequestTime.IsZero() {
		return r.RequestTime
	}
	if r.Ti >= 0 {
		return r.AcceptTime.Add(time.Duration(r.Ti+r.Th) * time.Millisecond)
	}
	return r.AcceptTime
}

// requestLine returns the request line cut to RequestLineMax bytes, as the
// three parts and whether each separating space survived the cut.
func (r *Record) requestLine() (m, u, v string, sp1, sp2 bool) {
	room := RequestLineMax
	m = cutString(r.Method, &room)
	if room == 0 {
		return m, "", "", false, false
	}
	room--
	u = cutString(r.URI, &room)
	if room == 0 {
		return m, u, "", true, false
	}
	room--
	v = cutString(r.Version, &room)
	return m, u, v, true, true
}

func cutString(s string, room *int) string {
	if len(s) > *room {
		s = s[:*room]
	}
	*room -= len(s)
	return s
}

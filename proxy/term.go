package proxy

// Termination state: the four characters HAProxy logs in %ts/%tsc
// ("CD--", "SHNN", "LR--"). Each character has its own type so that a
// cause cannot be stored where a phase belongs; the letters are HAProxy's
// (configuration manual, "8.5. Session state at disconnection").

// termCause is the first character: what ended the stream.
type termCause byte

const (
	causeNone          termCause = '-' // normal end
	causeClientAbort   termCause = 'C' // the client aborted or closed
	causeClientTimeout termCause = 'c' // timeout client (or http-request)
	causeServerAbort   termCause = 'S' // the server aborted, refused or sent nothing
	causeServerTimeout termCause = 's' // timeout server, connect or queue
	causeProxy         termCause = 'P' // the proxy refused: bad message, deny, no backend
	causeLocal         termCause = 'L' // the proxy answered itself: redirect, return, auth, stats
	causeResource      termCause = 'R' // a resource ran out (memory, sockets, ports)
	causeInternal      termCause = 'I' // an internal error
	causeDown          termCause = 'D' // killed because its server went down (on-marked-down)
	causeUp            termCause = 'U' // killed because a backup server came up (on-marked-up)
	causeKilled        termCause = 'K' // killed by the administrator (CLI)
)

// termPhase is the second character: where the stream was when it ended.
type termPhase byte

const (
	phaseNone    termPhase = '-' // it ended normally
	phaseRequest termPhase = 'R' // waiting for or reading the request head
	phaseQueue   termPhase = 'Q' // waiting in the backend queue
	phaseConnect termPhase = 'C' // connecting to the server
	phaseHeaders termPhase = 'H' // waiting for or reading the response head
	phaseData    termPhase = 'D' // transferring the body (or the TCP tunnel)
	phaseLast    termPhase = 'L' // sending the last data to the client
	phaseTarpit  termPhase = 'T' // held in the tarpit
)

// cookieReq is the third character: the persistence cookie the client
// sent (only when the backend uses a cookie).
type cookieReq byte

const (
	cookieReqNone    cookieReq = '-' // the backend uses no cookie
	cookieReqAbsent  cookieReq = 'N' // no cookie in the request
	cookieReqInvalid cookieReq = 'I' // it names no server
	cookieReqDown    cookieReq = 'D' // it names a server that is down
	cookieReqValid   cookieReq = 'V' // it names a usable server, which serves the request
)

// cookieResp is the fourth character: what the proxy did with the
// persistence cookie in the response.
type cookieResp byte

const (
	cookieRespNone     cookieResp = '-' // the backend uses no cookie
	cookieRespAbsent   cookieResp = 'N' // none set
	cookieRespInserted cookieResp = 'I' // the proxy inserted one (cookie ... insert)
	cookieRespDeleted  cookieResp = 'D' // the server's one was removed (insert mode)
)

// termState is the four characters, as formats.Record.TermState holds them.
type termState [4]byte

// termNormal is the state of a stream that has not ended abnormally.
var termNormal = termState{byte(causeNone), byte(phaseNone), byte(cookieReqNone), byte(cookieRespNone)}

// set records the cause and the phase of the end.
func (t *termState) set(c termCause, p termPhase) { t[0], t[1] = byte(c), byte(p) }

// setCause records the cause only (the phase is set apart).
func (t *termState) setCause(c termCause) { t[0] = byte(c) }

func (t *termState) cause() termCause { return termCause(t[0]) }

func (t *termState) setCookieReq(c cookieReq) { t[2] = byte(c) }

func (t *termState) cookieReq() cookieReq { return cookieReq(t[2]) }

func (t *termState) setCookieResp(c cookieResp) { t[3] = byte(c) }

// serverSide reports whether the server side (abort or timeout) ended the
// stream.
func (c termCause) serverSide() bool { return c == causeServerAbort || c == causeServerTimeout }

package h1

import (
	"errors"
	"strconv"
)

// ErrIncomplete reports that the buffer ends before the message head (or
// the chunk framing element) does: read more and parse again.
var ErrIncomplete = errors.New("h1: incomplete message")

// Reason says why a message was rejected.
type Reason uint8

// Rejection reasons.
const (
	BadRequestLine      Reason = iota + 1 // malformed start line
	BadMethod                             // method is not a token
	BadTarget                             // request target has a forbidden byte or form
	BadVersion                            // not HTTP/<digit>.<digit>
	BadStatus                             // response status is not 3 digits
	BadHeaderName                         // empty name, non-token byte, space before colon
	BadHeaderValue                        // NUL or bare CR in a value
	BadLineEnding                         // CR not followed by LF
	NameTooLong                           // header name over Limits.MaxNameLen
	TooManyHeaders                        // Limits.MaxHeaders reached
	HeadTooLarge                          // head does not fit Limits.MaxHead
	BadContentLength                      // not digits, overflow, conflicting values
	BadTransferEncoding                   // empty element, chunked twice or not last, no final chunked
	UnsupportedCoding                     // a coding other than chunked before chunked (422)
	BodyNotAllowed                        // HTTP/1.0 GET/HEAD/DELETE with a body (413)
	BadHost                               // several different Host headers
	HostMismatch                          // absolute-form or CONNECT authority differs from Host
	WebSocketNoKey                        // WebSocket upgrade without Sec-WebSocket-Key
	H2Preface                             // the HTTP/2 connection preface on an HTTP/1 connection
	UnexpectedUpgrade                     // 101 answer to a request that asked no upgrade
	BadChunkSize                          // chunk size not hex, empty, overflow
	BadChunkExtension                     // CTL, bare CR/LF or bad quoting in a chunk extension
	BadChunkEnd                           // chunk data not followed by CRLF
	BadTrailer                            // malformed trailer field
)

var reasonText = [...]string{
	BadRequestLine:      "bad request line",
	BadMethod:           "bad method",
	BadTarget:           "bad request target",
	BadVersion:          "bad HTTP version",
	BadStatus:           "bad status code",
	BadHeaderName:       "bad header name",
	BadHeaderValue:      "bad header value",
	BadLineEnding:       "bare CR",
	NameTooLong:         "header name too long",
	TooManyHeaders:      "too many headers",
	HeadTooLarge:        "message head too large",
	BadContentLength:    "bad Content-Length",
	BadTransferEncoding: "bad Transfer-Encoding",
	UnsupportedCoding:   "unsupported transfer coding",
	BodyNotAllowed:      "body not allowed on an HTTP/1.0 GET, HEAD or DELETE",
	BadHost:             "conflicting Host headers",
	HostMismatch:        "authority differs from Host",
	WebSocketNoKey:      "WebSocket upgrade without Sec-WebSocket-Key",
	H2Preface:           "HTTP/2 preface on an HTTP/1 connection",
	UnexpectedUpgrade:   "101 response to a request without upgrade",
	BadChunkSize:        "bad chunk size",
	BadChunkExtension:   "bad chunk extension",
	BadChunkEnd:         "chunk data not followed by CRLF",
	BadTrailer:          "bad trailer field",
}

func (r Reason) String() string {
	if int(r) < len(reasonText) && reasonText[r] != "" {
		return reasonText[r]
	}
	return "reason " + strconv.Itoa(int(r))
}

// Status is the status HAProxy answers a request rejected for r: 413
// for a body on an HTTP/1.0 GET/HEAD/DELETE, 422 for a coding other than
// chunked, 400 otherwise. A rejected response is always answered 502.
func (r Reason) Status() int {
	switch r {
	case BodyNotAllowed:
		return 413
	case UnsupportedCoding:
		return 422
	}
	return 400
}

// Error is a rejected message.
type Error struct {
	Reason Reason
}

func (e *Error) Error() string { return "h1: " + e.Reason.String() }

// errs holds one preallocated *Error per reason, so that a rejection does
// not allocate.
var errs = func() (e [len(reasonText)]Error) {
	for i := range e {
		e[i].Reason = Reason(i)
	}
	return
}()

func fail(r Reason) error { return &errs[r] }

// ReasonOf returns the rejection reason of err (0 when err is not a
// rejection).
func ReasonOf(err error) Reason {
	if e, ok := err.(*Error); ok {
		return e.Reason
	}
	return 0
}

module github.com/haplog/haplog

go 1.26

require (
	github.com/klauspost/compress v1.20.3
	github.com/leodido/go-syslog/v4 v4.5.0
)

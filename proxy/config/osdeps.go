package config

import "os"

func osHostname() (string, error) { return os.Hostname() }

func osLookupEnv(name string) (string, bool) { return os.LookupEnv(name) }

func osFileMode(m uint64) os.FileMode { return os.FileMode(m) }

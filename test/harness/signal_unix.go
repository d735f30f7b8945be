package harness

import "syscall"

var quitSignal = syscall.SIGQUIT

module kvbench/servers/go

go 1.22

module workpools/benches/go

go 1.19

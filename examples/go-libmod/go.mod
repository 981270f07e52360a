module libmod

go 1.21

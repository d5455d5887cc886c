module kplay

go 1.25.0

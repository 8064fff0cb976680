module krest.dev/benches/peers/go-restful

go 1.19

require github.com/emicklei/go-restful/v3 v3.10.2

// Debian's golang-github-emicklei-go-restful-dev: no module download needed.
replace github.com/emicklei/go-restful/v3 => /usr/share/gocode/src/github.com/emicklei/go-restful

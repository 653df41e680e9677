au BufRead,BufNewFile *.nox set filetype=nox

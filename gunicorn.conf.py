"""gunicorn settings, read from the working directory (`make run` starts gunicorn here).

The access log names the path, never the query string or the Referer: a URL's query can hold
what was searched for (a patient's name), and a Referer carries the query of the page before.
gunicorn's default format logs the whole request line (%(r)s) and the Referer (%(f)s).
"""
access_log_format = '%(h)s %(l)s %(u)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(L)s "%(a)s"'

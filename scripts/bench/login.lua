-- POST /api/v1/auth/login with the benchmark account (bench_login.sh sets EMAIL/PASSWORD).
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = string.format('{"email":"%s","password":"%s"}', os.getenv("EMAIL"), os.getenv("PASSWORD"))

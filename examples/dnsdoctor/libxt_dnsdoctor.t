:PREROUTING
*mangle
-j dnsdoctor;=;OK
-j dnsdoctor --domain a.test --client 10.0.0.1 --from 1.2.3.4 --to 10.0.0.2;=;OK
-j dnsdoctor --to 10.0.0.2 --domain A.Test.;-j dnsdoctor --domain a.test --to 10.0.0.2;OK
-j dnsdoctor --client localhost;-j dnsdoctor --client 127.0.0.1;OK
-j dnsdoctor --to 10.0.0.300;;FAIL
-j dnsdoctor ! --to 10.0.0.1;;FAIL
-j dnsdoctor --to 10.0.0.1 --to 10.0.0.2;;FAIL
-j dnsdoctor --domain;;FAIL

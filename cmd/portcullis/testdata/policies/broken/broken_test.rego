package portcullis.broken_test

test_nothing if true

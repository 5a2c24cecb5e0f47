"""IAM evaluated offline: the simulator bridge and the calls and authorisations a deployment makes."""

# Loaded by every Apache::Test file (through PlacementTest.pm).  Apache::Test
# reads httpd's -D defines in each test file by running
#   apache2 -V -f /etc/apache2/apache2.conf -d t
# and with t/ as ServerRoot Debian's apache2.conf includes no module, so
# httpd prints "AH00534: apache2: Configuration error: No MPM loaded." to
# the terminal once a file.  The call's result is unchanged (it never found
# any define there); only its stderr goes to /dev/null.
package ApacheTestQuiet;
use strict;
use warnings;
use Apache::TestConfig ();

{
    no warnings 'redefine';
    my $defines = \&Apache::TestConfig::get_httpd_defines;
    *Apache::TestConfig::get_httpd_defines = sub {
        open my $saved, '>&', \*STDERR or return $defines->(@_);
        open STDERR, '>', '/dev/null' or return $defines->(@_);
        my @r = eval { $defines->(@_) };
        my $err = $@;
        open STDERR, '>&', $saved;
        die $err if $err;
        return wantarray ? @r : $r[0];
    };
}

1;

# What the t/config tests share: a server of their own in a directory,
# configured by tools/httpd-conf (the server preamble, then the module as
# conf/placement.conf loads it), on a free port.
#
#   use HttpdConf qw($httpd write_conf free_port slurp);
#   my $conf = write_conf($dir, bare => 1, listen => '127.0.0.1:1',
#                         directives => "PlacementAuthStrategy noauth2\n");
package HttpdConf;
use strict;
use warnings;
use Exporter 'import';
use IO::Socket::INET;

our @EXPORT_OK = qw($httpd write_conf free_port slurp);
our $httpd = -x '/usr/sbin/apache2' ? '/usr/sbin/apache2' : 'httpd';

sub free_port {
    my $s = IO::Socket::INET->new(Listen => 1, LocalAddr => '127.0.0.1', LocalPort => 0)
        or die "no free port: $!";
    my $p = $s->sockport;
    close $s;
    return $p;
}

sub slurp { open my $f, '<', $_[0] or die "$_[0]: $!"; local $/; return scalar <$f> }

# write_conf(DIR, OPTIONS): DIR/httpd.conf (returned), a server with its
# pid file and error log in DIR.  Options: listen (ADDR, default
# 127.0.0.1:1: never served), bare (only the module loaded: nothing set but
# what the test gives) or location (PATH), settings (DIRECTIVE=VALUE list
# for tools/httpd-conf), directives (text appended).
sub write_conf {
    my ($dir, %o) = @_;
    my @cmd = ('tools/httpd-conf', '--server', $dir, '--listen', $o{listen} // '127.0.0.1:1');
    push @cmd, '--bare' if $o{bare};
    push @cmd, '--location', $o{location} if defined $o{location};
    push @cmd, @{ $o{settings} || [] };
    open my $gen, '-|', @cmd or die "tools/httpd-conf: $!";
    my $conf = do { local $/; <$gen> };
    close $gen or die "tools/httpd-conf @cmd[1 .. $#cmd] failed\n";
    open my $fh, '>', "$dir/httpd.conf" or die "$dir/httpd.conf: $!";
    print $fh $conf, $o{directives} // '';
    close $fh;
    return "$dir/httpd.conf";
}

1;

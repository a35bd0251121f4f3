# What the race scripts (t/race/*.pl) share: TAP output, a JSON client of
# the API and uuid4().  Core Perl only, like the scripts.
#
#   use FindBin; use lib "$FindBin::Bin/../lib";
#   use RaceHTTP qw(ok diag req uuid4 $tests $failed $json);
#   RaceHTTP::client($base, '1.28', 120);
#   my ($status, $doc, $raw) = req('GET', '/resource_providers');
#
# $RaceHTTP::base is the URL requests go to (a worker may point it at
# another front); RaceHTTP::client() after a fork gives the child an HTTP
# connection of its own.
package RaceHTTP;
use strict;
use warnings;
use Exporter 'import';
use HTTP::Tiny;
use JSON::PP;

our @EXPORT_OK = qw(ok diag req uuid4 $tests $failed $json %hdr);
our ($tests, $failed) = (0, 0);
our $json = JSON::PP->new->canonical;
our (%hdr, $base, $http);

# client(BASE, MICROVERSION, TIMEOUT): every request as admin at that
# microversion, to BASE (trailing slashes dropped).
sub client {
    my ($b, $mv, $timeout) = @_;
    ($base = $b) =~ s{/+$}{};
    %hdr = ('X-Auth-Token' => 'admin', 'OpenStack-API-Version' => "placement $mv",
            'Accept' => 'application/json');
    $http = HTTP::Tiny->new(timeout => $timeout, default_headers => \%hdr);
}

sub ok {
    my ($cond, $what) = @_;
    $tests++;
    $failed++ unless $cond;
    print(($cond ? "ok" : "not ok"), " $tests - $what\n");
    return $cond;
}

sub diag { print map { "# $_\n" } split /\n/, join '', @_ }

# (status, decoded body, raw body); MV overrides the client's microversion
sub req {
    my ($method, $path, $body, $mv) = @_;
    my %o = (headers => {});
    if (defined $body) {
        $o{content} = $json->encode($body);
        $o{headers}{'Content-Type'} = 'application/json';
    }
    $o{headers}{'OpenStack-API-Version'} = "placement $mv" if $mv;
    my $r = $http->request($method, "$base$path", \%o);
    my $doc = eval { $json->decode($r->{content}) };
    return ($r->{status}, $doc, $r->{content});
}

sub uuid4 {
    my @b = map { int rand 256 } 1 .. 16;
    $b[6] = ($b[6] & 0x0f) | 0x40;
    $b[8] = ($b[8] & 0x3f) | 0x80;
    my $h = join '', map { sprintf '%02x', $_ } @b;
    return join '-', substr($h, 0, 8), substr($h, 8, 4), substr($h, 12, 4),
        substr($h, 16, 4), substr($h, 20, 12);
}

1;

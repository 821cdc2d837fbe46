package dev.callvault.calls;

import com.google.i18n.phonenumbers.NumberParseException;
import com.google.i18n.phonenumbers.PhoneNumberUtil;
import com.google.i18n.phonenumbers.Phonenumber;

import java.util.Optional;

/**
 * Phone numbers as people type them ({@code +1 (415) 555-0102}, {@code 415-555-0102}, {@code 4155550102}) and as Twilio
 * stores them (E.164, {@code +14155550102}), made comparable with Google's libphonenumber. A number without a country
 * code is read in the operator's region ({@code phone.default-region}, default US).
 */
public final class PhoneNumbers {
    private static final PhoneNumberUtil UTIL = PhoneNumberUtil.getInstance();

    private PhoneNumbers() {
    }

    /** The E.164 form of {@code typed}, when it is a whole number that could be dialled; empty for a part of one or for words. */
    public static Optional<String> e164(String typed, String defaultRegion) {
        return parsed(typed, defaultRegion, UTIL::isPossibleNumber);
    }

    /**
     * The E.164 form of {@code typed} when it is a number that exists (valid for its country, as libphonenumber knows the
     * numbering plans), read in {@code defaultRegion} without a country code; empty for a part of one, a number of the
     * wrong length or one no plan allows ("5550100" in the US).
     */
    public static Optional<String> valid(String typed, String defaultRegion) {
        return parsed(typed, defaultRegion, UTIL::isValidNumber);
    }

    /** The E.164 form of {@code typed} read in {@code defaultRegion}, when {@code enough} says the number is one. */
    private static Optional<String> parsed(String typed, String defaultRegion, java.util.function.Predicate<Phonenumber.PhoneNumber> enough) {
        if (typed == null || typed.isBlank() || typed.chars().noneMatch(Character::isDigit)) {
            return Optional.empty();
        }
        try {
            Phonenumber.PhoneNumber n = UTIL.parse(typed.strip(), defaultRegion);
            return enough.test(n) ? Optional.of(UTIL.format(n, PhoneNumberUtil.PhoneNumberFormat.E164)) : Optional.empty();
        } catch (NumberParseException e) {
            return Optional.empty();
        }
    }

    /** Only the digits of {@code typed}: what a part of a number is matched by. */
    public static String digits(String typed) {
        return typed == null ? "" : typed.replaceAll("[^0-9]", "");
    }
}
